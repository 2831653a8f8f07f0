"""``python -m agent.toolbox``: the toolbox without the CLI's start-up (what fleets spawn)."""

from agent.toolbox import serve_stdio

serve_stdio()
