"""Qualified tool names: legal for every provider, collision-free, stable, exactly reversible."""

from __future__ import annotations

import random
import re
import string

import pytest

from bridge.naming import NameTable

LEGAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def assert_all_legal_and_reversible(table: NameTable, entries: list[tuple[str, str]]) -> None:
    names = [table.qualified(server, tool) for server, tool in entries]
    assert len(set(names)) == len(set(entries))
    for (server, tool), name in zip(entries, names, strict=True):
        assert LEGAL.match(name), name
        assert table.resolve(name) == (server, tool)


def test_plain_names_are_server_double_underscore_tool_and_need_no_notes():
    table = NameTable.build([("fs", "read_file"), ("git", "git-log")])

    assert table.qualified("fs", "read_file") == "fs__read_file"
    assert table.qualified("git", "git-log") == "git__git-log"
    assert table.notes == []


def test_dots_slashes_spaces_and_unicode_become_underscores_and_are_noted_once():
    entries = [("fs", "read.file"), ("web", "fetch/url"), ("my server", "say hi"), ("日本", "検索")]
    table = NameTable.build(entries)

    assert table.qualified("fs", "read.file") == "fs__read_file"
    assert table.qualified("web", "fetch/url") == "web__fetch_url"
    assert table.qualified("my server", "say hi") == "my_server__say_hi"
    assert table.qualified("日本", "検索") == "______"
    assert 'renamed "fs/read.file" -> "fs__read_file"' in table.notes[0]
    assert len(table.notes) == 4
    assert_all_legal_and_reversible(table, entries)


def test_a_name_starting_with_a_digit_or_dash_gets_a_leading_underscore():
    table = NameTable.build([("1password", "get"), ("-x", "y")])

    assert table.qualified("1password", "get") == "_1password__get"
    assert table.qualified("-x", "y") == "_-x__y"
    assert any("start with a letter" in note for note in table.notes)


def test_an_eighty_character_name_is_shortened_to_64_with_a_hash_suffix():
    long_tool = "summarize_" + "a" * 70
    table = NameTable.build([("docs", long_tool), ("docs", long_tool[:-1] + "b")])

    first = table.qualified("docs", long_tool)
    second = table.qualified("docs", long_tool[:-1] + "b")
    assert len(first) == len(second) == 64
    assert first.startswith("docs__summarize_")
    assert re.search(r"_[0-9a-f]{6}$", first)
    assert first != second
    assert any("longer than 64" in note for note in table.notes)


def test_a_long_server_name_is_cut_before_the_tool_name():
    table = NameTable.build([("s" * 80, "get_forecast")])

    name = table.qualified("s" * 80, "get_forecast")
    assert len(name) <= 64
    assert "__get_forecast_" in name


def test_names_colliding_within_one_server_after_sanitizing_are_kept_apart():
    table = NameTable.build([("fs", "read.file"), ("fs", "read_file"), ("fs", "read file")])

    assert table.qualified("fs", "read_file") == "fs__read_file"
    hashed = {table.qualified("fs", "read.file"), table.qualified("fs", "read file")}
    assert all(re.fullmatch(r"fs__read_file_[0-9a-f]{6}", name) for name in hashed)
    assert len(hashed) == 2
    collision_notes = [note for note in table.notes if "collision" in note]
    assert len(collision_notes) == 1
    assert '"fs/read.file"' in collision_notes[0] and '"fs/read file"' in collision_notes[0]
    assert not any(note.startswith("renamed") for note in table.notes)


def test_names_colliding_across_servers_are_all_hashed_when_none_is_spelt_plainly():
    # "a_" + "__" + "b" and "a" + "__" + "_b" both spell "a___b"; neither was changed.
    table = NameTable.build([("a_", "b"), ("a", "_b")])

    first, second = table.qualified("a_", "b"), table.qualified("a", "_b")
    assert first != second
    assert first.startswith("a___b_") and second.startswith("a___b_")
    assert len(table.notes) == 1


def test_servers_sharing_a_prefix_collide_and_are_separated():
    table = NameTable.build([("gh-1", "search"), ("gh-2", "search")], {"gh-1": "gh", "gh-2": "gh"})

    assert table.qualified("gh-1", "search") != table.qualified("gh-2", "search")
    assert table.resolve(table.qualified("gh-2", "search")) == ("gh-2", "search")


def test_a_prefix_replaces_the_server_name_and_an_empty_prefix_drops_it():
    table = NameTable.build(
        [("filesystem-server", "read"), ("toolbox", "clock")],
        {"filesystem-server": "fs", "toolbox": ""},
    )

    assert table.qualified("filesystem-server", "read") == "fs__read"
    assert table.qualified("toolbox", "clock") == "clock"
    assert table.resolve("fs__read") == ("filesystem-server", "read")
    assert table.notes == []


def test_names_do_not_depend_on_the_listing_order():
    entries = [
        ("fs", "read.file"),
        ("fs", "read_file"),
        ("fs2", "read.file"),
        ("a_", "b"),
        ("a", "_b"),
        ("docs", "x" * 90),
        ("web", "fetch"),
    ]
    reference = NameTable.build(entries)
    for seed in range(10):
        shuffled = entries[:]
        random.Random(seed).shuffle(shuffled)
        table = NameTable.build(shuffled)
        assert {pair: table.qualified(*pair) for pair in entries} == {
            pair: reference.qualified(*pair) for pair in entries
        }
        assert table.notes == reference.notes


def test_a_plainly_named_tool_keeps_its_name_when_a_colliding_one_arrives():
    before = NameTable.build([("fs", "read_file")])
    after = NameTable.build([("fs", "read.file"), ("fs", "read_file")])

    assert before.qualified("fs", "read_file") == after.qualified("fs", "read_file")


def test_unknown_names_resolve_to_none_and_unknown_pairs_raise_key_error():
    table = NameTable.build([("fs", "read")])

    assert table.resolve("fs__write") is None
    assert table.resolve("") is None
    assert "fs__read" in table and "fs__write" not in table
    with pytest.raises(KeyError, match="no tool 'write' on server 'fs'"):
        table.qualified("fs", "write")


def test_iteration_and_len_cover_each_pair_once_in_listing_order():
    table = NameTable.build([("b", "y"), ("a", "x"), ("b", "y")])

    assert len(table) == 2
    assert list(table) == ["b__y", "a__x"]
    assert list(table.items()) == [("b__y", ("b", "y")), ("a__x", ("a", "x"))]


def test_a_hashed_name_that_clashes_with_a_real_tool_name_is_lengthened():
    table = NameTable.build([("fs", "read.file"), ("fs", "read_file")])
    hashed = table.qualified("fs", "read.file")
    # A tool literally called like the hash-suffixed name forces a longer hash.
    entries = [("fs", "read.file"), ("fs", "read_file"), ("fs", hashed.removeprefix("fs__"))]
    bigger = NameTable.build(entries)

    assert_all_legal_and_reversible(bigger, entries)


def test_random_server_and_tool_names_always_give_legal_distinct_reversible_names():
    alphabet = string.ascii_letters + string.digits + "_-./ :é日🙂"
    rng = random.Random(1234)
    for _ in range(50):
        entries = [
            (
                "".join(rng.choices(alphabet, k=rng.randint(0, 40))),
                "".join(rng.choices(alphabet, k=rng.randint(0, 90))),
            )
            for _ in range(rng.randint(1, 40))
        ]
        # Force collisions by adding sanitized twins of some entries.
        entries += [(s, re.sub(r"[^A-Za-z0-9_-]", "_", t)) for s, t in entries[:5]]
        table = NameTable.build(entries)
        assert_all_legal_and_reversible(table, list(dict.fromkeys(entries)))
