"""possible_owners: which servers a qualified name could belong to, without their tools."""

from __future__ import annotations

from bridge.naming import NameTable, possible_owners


def test_a_plain_name_points_to_its_server_or_prefix():
    namespaces = {"box": "box", "web": "w", "boxer": "boxer"}
    assert possible_owners("box__calculate", namespaces) == ["box"]
    assert possible_owners("w__fetch", namespaces) == ["web"]
    assert possible_owners("web__fetch", namespaces) == []


def test_every_pair_the_name_table_names_is_owned_by_its_server():
    servers = {
        "box": "box",
        "9lives": "9lives",
        "a.b c": "a.b c",
        "x" * 70: "x" * 70,
        "one": "one",
        "one__two": "one__two",
    }
    pairs = [
        ("box", "calc"),
        ("9lives", "purr"),
        ("a.b c", "tool.name"),
        ("x" * 70, "y" * 80),
        ("one", "two__echo"),  # collides with the next: both are hashed
        ("one__two", "echo"),
        ("box", "z" * 90),
    ]
    table = NameTable.build(pairs)
    for qualified, (server, _tool) in table.items():
        assert server in possible_owners(qualified, servers), qualified
