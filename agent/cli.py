"""Placeholder"""

import sys


def main() -> None:
    if sys.argv[1:2] == ["toolbox"]:
        from agent.toolbox import serve_stdio

        serve_stdio()
