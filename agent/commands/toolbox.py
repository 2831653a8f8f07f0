"""``agent toolbox``: serve the built-in toolbox on stdio."""

from __future__ import annotations

import argparse


def run_toolbox(_options: argparse.Namespace) -> int:
    from agent.toolbox import serve_stdio

    serve_stdio()
    return 0
