"""Agent: what a person runs (the ``agent`` CLI, the TUI, rendering, the toolbox)."""

__version__ = "0.1.0"
