"""agent/terminal.py: the one sanitizer and the JSON for stdout."""

from __future__ import annotations

import json

from agent.render import sanitize as from_render
from agent.terminal import clean, dumps, sanitize
from config.secrets import remember


def test_escape_sequences_c1_controls_and_bidi_overrides_become_replacement_characters():
    text = "a\x1b[2J\x1b]52;c;eA==\x07\x9b31m\x7f\u202eb\r"
    assert sanitize(text) == "a\ufffd[2J\ufffd]52;c;eA==\ufffd\ufffd31m\ufffd\ufffdb\ufffd"


def test_newlines_and_tabs_stay_and_crlf_becomes_a_newline():
    assert sanitize("one\ttwo\r\nthree\n") == "one\ttwo\nthree\n"


def test_render_still_exports_the_same_sanitizer():
    assert from_render is sanitize


def test_clean_masks_secrets_before_sanitizing():
    remember("tok-\x1b-en")
    assert clean("got tok-\x1b-en and \x1b") == "got *** and \ufffd"


def test_dumps_escapes_what_json_leaves_raw_and_keeps_the_value():
    value = {"text": "x\x9b\x85\u2028\u202e\x1b é"}
    text = dumps(value)
    assert not any(char in text for char in "\x9b\x85\u2028\u202e\x1b")
    assert "é" in text  # other Unicode stays readable
    assert json.loads(text) == value


def test_dumps_masks_secrets_in_keys_and_values():
    remember("sk-0123456789")
    assert json.loads(dumps({"sk-0123456789": ["key sk-0123456789"]})) == {"***": ["key ***"]}
