"""config/secrets.py: the registry of secret values and masking them out of text."""

from __future__ import annotations

from config import load
from config.secrets import MASK, StreamMasker, looks_secret, mask, mask_data, remember


def test_a_remembered_value_is_masked_wherever_it_appears():
    remember("hunter2-token")
    assert mask("key=hunter2-token; again hunter2-token") == f"key={MASK}; again {MASK}"


def test_values_shorter_than_four_characters_are_not_masked():
    remember("abc")
    remember("")
    remember(None)
    assert mask("abc and abcd") == "abc and abcd"


def test_the_json_and_url_encodings_of_a_secret_are_masked_too():
    remember('pa"ss/wo rd')
    assert mask('{"key": "pa\\"ss/wo rd"}') == '{"key": "***"}'
    assert mask("?key=pa%22ss%2Fwo%20rd") == "?key=***"


def test_a_longer_secret_containing_a_shorter_one_is_masked_whole():
    remember("abcd")
    remember("abcd-efgh")
    assert mask("abcd-efgh abcd") == f"{MASK} {MASK}"


def test_mask_data_masks_keys_and_values_and_leaves_kept_objects_whole():
    remember("s3cret-value")
    data = {"s3cret-value": ["x s3cret-value", 7], "media": {"data": "s3cret-value"}}
    assert mask_data(data, keep=lambda obj: "data" in obj) == {
        MASK: [f"x {MASK}", 7],
        "media": {"data": "s3cret-value"},
    }


def test_credentials_are_recognised_by_their_key_path():
    assert looks_secret(("providers", "openai", "api_key"))
    assert looks_secret(("servers", "r", "auth", "client_secret"))
    assert looks_secret(("servers", "r", "headers", "Authorization"))
    assert looks_secret(("mcpServers", "gh", "env", "GITHUB_TOKEN"))
    assert not looks_secret(("servers", "r", "headers", "Accept"))
    assert not looks_secret(("servers", "r", "args", 0))


def test_loading_a_config_remembers_variables_and_literal_credentials(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(
        "providers:\n  openai: {api_key: sk-literal-key}\n"
        "servers:\n  r:\n    url: https://example.test/mcp\n"
        "    headers: {X-Custom: '${CUSTOM}', Accept: text/plain}\n"
    )
    load(path, env={"CUSTOM": "from-the-environment"})
    assert mask("sk-literal-key from-the-environment text/plain") == f"{MASK} {MASK} text/plain"


def test_a_secret_cut_between_two_pieces_of_a_stream_is_still_masked():
    remember("sk-live-abcdef123456")
    stream = StreamMasker()

    shown = [stream.feed("the key is sk-li"), stream.feed("ve-abcdef"), stream.feed("123456 ok")]
    shown.append(stream.flush())

    assert "".join(shown) == f"the key is {MASK} ok"
    assert shown[0] == "the key is "  # what might begin the secret waits for the next piece


def test_a_stream_that_ends_on_a_near_secret_gives_it_back_whole():
    remember("sk-live-abcdef123456")
    stream = StreamMasker()

    assert stream.feed("ends with sk-live") == "ends with "
    assert stream.flush() == "sk-live"


def test_a_stream_with_no_secrets_known_passes_pieces_through_at_once():
    stream = StreamMasker()

    assert stream.feed("hello ") == "hello " and stream.flush() == ""
