"""An MCP stdio server that breaks the JSON-RPC and MCP wire rules in one chosen way.

Usage: python hostile_rpc_server.py MODE PIDFILE. It writes its pid to PIDFILE first. Call
modes spoil the answer to `tools/call` (id-object, id-array, error-code, error-message,
error-string, no-result, result-list, result-null) or send a bad message before a good
answer (progress-token, cancelled-id, request-id); start-up modes spoil `initialize`
(init-id-object, capabilities-string, capabilities-list, serverinfo-list, version-number) or
`tools/list` (tools-string, tools-result-list, cursor-object). strict-mix lists tools whose
schemas real servers send and OpenAI's strict mode cannot say. Any other mode behaves.
"""

import json
import os
import sys

MODE, PIDFILE = sys.argv[1], sys.argv[2]
out = sys.stdout.buffer
with open(PIDFILE, "w") as handle:
    handle.write(str(os.getpid()))

INIT_SPOILS = {
    "capabilities-string": {"capabilities": "tools"},
    "capabilities-list": {"capabilities": ["tools"]},
    "serverinfo-list": {"serverInfo": ["hostile", "1"]},
    "version-number": {"protocolVersion": 20250618},
}
LIST_RESULTS = {
    "tools-string": {"tools": "echo"},
    "tools-result-list": [{"name": "echo"}],
    "cursor-object": {"tools": [], "nextCursor": {"page": 2}},
}
STRICT_MIX = [
    {"name": "plain", "inputSchema": {"type": "object", "properties": {"a": {"type": "string"}}}},
    {
        "name": "bounded",
        "inputSchema": {
            "type": "object",
            "properties": {"a": {"type": "string", "minLength": 1, "maxLength": 9}},
            "required": ["a"],
        },
    },
    {
        "name": "freeform",
        "inputSchema": {
            "type": "object",
            "properties": {"options": {"type": "object"}},
            "additionalProperties": True,
        },
    },
]
LIST_RESULTS["strict-mix"] = {"tools": STRICT_MIX}
CALL_ANSWERS = {
    "id-object": lambda i: {"id": {"id": i}, "result": {"content": []}},
    "id-array": lambda i: {"id": [i], "result": {"content": []}},
    "error-code": lambda i: {"id": i, "error": {"code": "boom", "message": "it broke"}},
    "error-message": lambda i: {"id": i, "error": {"code": -1, "message": {"text": "x"}}},
    "error-string": lambda i: {"id": i, "error": "it broke"},
    "no-result": lambda i: {"id": i},
    "result-list": lambda i: {"id": i, "result": [{"type": "text", "text": "x"}]},
    "result-null": lambda i: {"id": i, "result": None},
}
BEFORE_ANSWER = {
    "progress-token": {"method": "notifications/progress", "params": {"progressToken": {"t": 1}}},
    "cancelled-id": {"method": "notifications/cancelled", "params": {"requestId": [[1]]}},
    "request-id": {"id": {"x": 1}, "method": "ping"},
}


def send(message):
    out.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
    out.flush()


for line in sys.stdin.buffer:
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if method == "initialize":
        result = {
            "protocolVersion": message["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "hostile", "version": "1"},
            **INIT_SPOILS.get(MODE, {}),
        }
        init_id = {"id": request_id} if MODE == "init-id-object" else request_id
        send({"id": init_id, "result": result})
    elif method == "tools/list":
        listed = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
        send({"id": request_id, "result": LIST_RESULTS.get(MODE, listed)})
    elif method == "tools/call":
        if MODE in CALL_ANSWERS:
            send(CALL_ANSWERS[MODE](request_id))
            continue
        if MODE in BEFORE_ANSWER:
            send(BEFORE_ANSWER[MODE])
        send({"id": request_id, "result": {"content": [{"type": "text", "text": "answered"}]}})
    elif method == "ping":
        send({"id": request_id, "result": {}})
