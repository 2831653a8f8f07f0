"""``agent config check|show``: validate the fleet file, or print it resolved."""

from __future__ import annotations

import argparse

from agent.terminal import clean

__all__ = ["config_command"]


def config_command(options: argparse.Namespace) -> int:
    from config import load, masked, summarize

    config = load(options.config)
    if options.config_command == "check":
        for line in summarize(config):
            print(clean(line))
        return 0
    import yaml

    # YAML leaves some C1 controls (NEL) and bidi overrides raw: clean the whole text.
    print(clean(yaml.safe_dump(masked(config), sort_keys=False, allow_unicode=True)), end="")
    return 0
