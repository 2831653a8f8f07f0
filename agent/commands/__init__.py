"""One module per group of ``agent`` commands, each imported only when its command runs."""
