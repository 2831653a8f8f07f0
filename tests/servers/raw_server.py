"""A bare MCP server over stdio in plain Python, for wire-level tests and the benchmark.

Usage: python raw_server.py MODE [ARG]. Modes: echo (well-behaved, answers `echo`),
garbage (non-JSON lines before every message),
oversized (answers tools/list with one line larger than ARG MiB), non-utf8 (writes invalid
UTF-8 after initialize), bad-version (counter-offers an unknown protocol version),
old-version (counter-offers 2024-11-05), hang-init (never answers initialize),
exit-after (exits with code 7 after ARG tools/call), pages (tools/list in 3 pages),
list-changed (sends 10 tools/list_changed right after initialized), sampling (asks the
client to sample during a tools/call).
"""

import json
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "echo"
ARG = sys.argv[2] if len(sys.argv) > 2 else ""
out = sys.stdout.buffer


def send(message):
    if MODE == "garbage":
        out.write(b"this is not json\n{broken\n\n")
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


def result(request_id, value):
    send({"jsonrpc": "2.0", "id": request_id, "result": value})


TOOL = {"name": "echo", "description": "Echo", "inputSchema": {"type": "object"}}
calls = 0
for line in sys.stdin.buffer:
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if method == "initialize":
        if MODE == "hang-init":
            continue
        version = {"bad-version": "1999-01-01", "old-version": "2024-11-05"}.get(
            MODE, message["params"]["protocolVersion"]
        )
        result(
            request_id,
            {
                "protocolVersion": version,
                "capabilities": {"tools": {"listChanged": True}},
                "serverInfo": {"name": "raw", "version": "0"},
            },
        )
    elif method == "notifications/initialized":
        if MODE == "non-utf8":
            out.write(b'{"jsonrpc": "2.0", "method": "x\xff\xfe"}\n')
            out.flush()
        if MODE == "list-changed":
            for _ in range(10):
                send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    elif method == "tools/list":
        if MODE == "oversized":
            blob = "x" * (int(ARG or "20") * 1024 * 1024)
            result(request_id, {"tools": [dict(TOOL, description=blob)]})
        elif MODE == "pages":
            page = int((message.get("params") or {}).get("cursor") or 0)
            tools = [dict(TOOL, name=f"tool{page}")]
            more = {"nextCursor": str(page + 1)} if page < 2 else {}
            result(request_id, {"tools": tools, **more})
        else:
            result(request_id, {"tools": [TOOL]})
    elif method == "tools/call":
        calls += 1
        if MODE == "exit-after" and calls > int(ARG or "1"):
            sys.stderr.write("raw server giving up\n")
            sys.exit(7)
        if MODE == "sampling":
            send(
                {
                    "jsonrpc": "2.0",
                    "id": "s1",
                    "method": "sampling/createMessage",
                    "params": {"messages": [], "maxTokens": 10},
                }
            )
            reply = json.loads(sys.stdin.buffer.readline())
            text = json.dumps(reply)
        else:
            text = json.dumps(message["params"].get("arguments"))
        result(request_id, {"content": [{"type": "text", "text": text}]})
    elif method == "ping":
        result(request_id, {})
    elif request_id is not None:
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": method}})
