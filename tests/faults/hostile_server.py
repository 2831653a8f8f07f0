"""A stdio MCP server that leaves a stubborn grandchild behind, for the signal fault matrix.

Usage: python hostile_server.py DIR [slow-start]. It writes DIR/server.pid, starts a
grandchild in its own session (``setsid``) that ignores SIGTERM, SIGHUP and SIGINT, writes
its pid to DIR/grandchild.pid, then says ``up`` on the FIFO
DIR/events. With ``slow-start`` it never answers ``initialize``. Its one tool, ``block``,
never answers: it says ``call`` on the FIFO; a ``notifications/cancelled`` is appended to
DIR/cancelled and said as ``cancelled``.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

DIR = Path(sys.argv[1])
SLOW_START = "slow-start" in sys.argv[2:]
out = sys.stdout.buffer


def stubborn():
    # Ignored signals stay ignored across exec: the grandchild is stubborn from its start.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)


def tell(word):
    with open(DIR / "events", "w") as fifo:
        fifo.write(word + "\n")


def send(message):
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


(DIR / "server.pid").write_text(str(os.getpid()))
# The grandchild keeps our stdout and stderr open, as a real server's helper would.
grandchild = subprocess.Popen(
    [sys.executable, "-c", "import signal\nwhile True: signal.pause()"],
    stdin=subprocess.DEVNULL,
    start_new_session=True,
    preexec_fn=stubborn,
)
(DIR / "grandchild.pid").write_text(str(grandchild.pid))
tell("up")

TOOL = {"name": "block", "description": "Never answers", "inputSchema": {"type": "object"}}
for line in sys.stdin.buffer:
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if method == "initialize":
        if SLOW_START:
            continue
        send(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "result": {
                    "protocolVersion": message["params"]["protocolVersion"],
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "hostile", "version": "0"},
                },
            }
        )
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": request_id, "result": {"tools": [TOOL]}})
    elif method == "tools/call":
        tell("call")
    elif method == "notifications/cancelled":
        with open(DIR / "cancelled", "a") as record:
            record.write(json.dumps(message["params"]) + "\n")
        tell("cancelled")
    elif request_id is not None:
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": method}})
