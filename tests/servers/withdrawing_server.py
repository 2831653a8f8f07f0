"""A bare MCP server over stdio that asks its client something and then withdraws the
question: cancellation from a server, through a gateway, to the client that was asked.

``ask`` sends ``elicitation/create``, then waits for a ``release`` call (the test makes
it once the question has reached its client), cancels the question with
``notifications/cancelled``, and answers both calls. An answer to the question that
comes anyway is noted: ``ask`` then says "answered", else "withdrawn".
"""

import json
import sys

out = sys.stdout.buffer
TOOLS = [
    {"name": name, "description": name, "inputSchema": {"type": "object"}}
    for name in ("ask", "release")
]


def send(message):
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


def result(request_id, text):
    content = [{"type": "text", "text": text}]
    send({"jsonrpc": "2.0", "id": request_id, "result": {"content": content}})


asking = None  # the id of the pending ask call
answered = False
for line in sys.stdin.buffer:
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if method == "initialize":
        info = {"name": "withdrawing", "version": "1"}
        send(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "result": {
                    "protocolVersion": message["params"]["protocolVersion"],
                    "capabilities": {"tools": {}},
                    "serverInfo": info,
                },
            }
        )
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": request_id, "result": {"tools": TOOLS}})
    elif method == "tools/call" and message["params"]["name"] == "ask":
        asking = request_id
        question = {"mode": "form", "message": "Still there?", "requestedSchema": {}}
        send({"jsonrpc": "2.0", "id": "q1", "method": "elicitation/create", "params": question})
    elif method == "tools/call" and message["params"]["name"] == "release":
        cancel = {"requestId": "q1", "reason": "no longer needed"}
        send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": cancel})
        result(request_id, "released")
        if asking is not None:
            result(asking, "answered" if answered else "withdrawn")
    elif request_id == "q1":
        answered = True  # the answer to the withdrawn question: too late, ignored
    elif request_id is not None and method is not None:
        send({"jsonrpc": "2.0", "id": request_id, "result": {}})
