"""A bare MCP server over stdio whose behaviour a JSON file describes, read at each start.

Usage: python scripted_server.py BEHAVIOUR.json. Keys (all optional): ``marker`` (a file
to append "started" to), ``gate`` (a FIFO to read one line from before answering
initialize: the server is slow until the test writes), ``version`` (of serverInfo),
``tools`` (the tools/list answer; default one ``echo``), ``calls`` ("echo": the text
"call N <arguments>"; "error": a JSON-RPC error; "hang": never answered).
Keeping the config the same and changing the file keeps the catalog cache's key.
"""

import json
import sys
from pathlib import Path

BEHAVIOUR = json.loads(Path(sys.argv[1]).read_text())
out = sys.stdout.buffer
if BEHAVIOUR.get("marker"):
    with open(BEHAVIOUR["marker"], "a") as marker:
        marker.write("started\n")

ECHO = {"name": "echo", "description": "Echo", "inputSchema": {"type": "object"}}


def send(message):
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


calls = 0
for line in sys.stdin.buffer:
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if method == "initialize":
        if BEHAVIOUR.get("gate"):
            with open(BEHAVIOUR["gate"]) as gate:  # blocks until the test opens it to write
                gate.readline()
        send(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "result": {
                    "protocolVersion": message["params"]["protocolVersion"],
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "scripted", "version": BEHAVIOUR.get("version", "1")},
                },
            }
        )
    elif method == "tools/list":
        tools = BEHAVIOUR.get("tools", [ECHO])
        send({"jsonrpc": "2.0", "id": request_id, "result": {"tools": tools}})
    elif method == "tools/call":
        calls += 1
        mode = BEHAVIOUR.get("calls", "echo")
        if mode == "hang":
            continue
        if mode == "error":
            error = {"code": -32603, "message": "the backend is down"}
            send({"jsonrpc": "2.0", "id": request_id, "error": error})
            continue
        text = f"call {calls} {json.dumps(message['params'].get('arguments', {}), sort_keys=True)}"
        content = [{"type": "text", "text": text}]
        send({"jsonrpc": "2.0", "id": request_id, "result": {"content": content}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": request_id, "result": {}})
    elif request_id is not None:
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": method}})
