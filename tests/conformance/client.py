"""The conformance client: the official MCP harness runs it against its scenario servers.

Contract: the server URL is the last argument, the scenario is in MCP_CONFORMANCE_SCENARIO
(and MCP_CONFORMANCE_CONTEXT for some auth scenarios). It drives our bridge, nothing else:
connect over Streamable HTTP, do the scenario's work, exit 0.

Every run carries our OAuth client with an in-memory token store; the harness's
authorization servers approve at once, so the authorizer just reads their redirect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.errors import RemoteError
from bridge.mcp import ClientSession
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.oauth import OAuth, OAuthSettings, TokenStore, follow_redirect
from bridge.mcp.oauth.enterprise import IdentityAssertion
from bridge.mcp.oauth.workload import fixed_assertion

# The client ID metadata document URL the harness's CIMD scenario expects.
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"

SAMPLES: dict[str, Any] = {
    "string": "test",
    "number": 1,
    "integer": 1,
    "boolean": True,
    "array": [],
    "object": {},
}


def sample_arguments(schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments that satisfy a simple schema: a sample for each required property."""
    properties = schema.get("properties") or {}
    arguments = {}
    for name in schema.get("required") or []:
        prop = properties.get(name) or {}
        if "default" in prop:
            arguments[name] = prop["default"]
        elif prop.get("enum"):
            arguments[name] = prop["enum"][0]
        else:
            arguments[name] = SAMPLES.get(str(prop.get("type")), "test")
    return arguments


async def accept_with_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """Accept an elicitation, filling every field that has a default (SEP-1034)."""
    schema = params.get("requestedSchema") or {}
    content = {
        name: prop["default"]
        for name, prop in (schema.get("properties") or {}).items()
        if isinstance(prop, dict) and "default" in prop
    }
    return {"action": "accept", "content": content}


def oauth_settings(scenario: str, context: dict[str, Any]) -> OAuthSettings:
    """Settings from MCP_CONFORMANCE_CONTEXT: pre-registered clients, keys, identity tokens."""
    grant: Any = "authorization_code"
    assertion = None
    if scenario.startswith("auth/client-credentials"):
        grant = "client_credentials"
    elif "valid_jwt" in context:
        # Workload identity federation: trade the workload's own JWT (SEP-1933).
        grant = "jwt_bearer"
        assertion = fixed_assertion(context["valid_jwt"])
    elif "idp_id_token" in context:
        grant = "jwt_bearer"
        assertion = IdentityAssertion(
            context["idp_token_endpoint"],
            context["idp_id_token"],
            client_id=context.get("idp_client_id"),
        )
    return OAuthSettings(
        client_id=context.get("client_id"),
        client_secret=context.get("client_secret"),
        grant=grant,
        client_metadata_url=CLIENT_METADATA_URL,
        private_key_pem=context.get("private_key_pem"),
        client_name="mcp-agent-host-conformance",
        assertion=assertion,
    )


async def run(url: str, scenario: str, context: dict[str, Any]) -> None:
    auth = OAuth(
        url,
        name=scenario,
        settings=oauth_settings(scenario, context),
        store=TokenStore(),
        authorize=follow_redirect,
    )
    transport = StreamableHTTPTransport(url, name=scenario, auth=auth)
    session = ClientSession(
        transport,
        name=scenario,
        client_name="mcp-agent-host-conformance",
        elicitation=accept_with_defaults,
    )
    await session.open(timeout=30)
    try:
        await drive(session, scenario, context)
    finally:
        await session.aclose()


async def drive(session: ClientSession, scenario: str, context: dict[str, Any]) -> None:
    """The scenario's work: the calls its context names, else every tool once.

    A tool the server refuses is logged, not fatal: some scenarios list tools they never
    mean to be called.
    """
    tools = await session.list_tools()
    if scenario == "initialize":
        return
    if scenario == "json-schema-2020-12-preservation":
        # Echo back what our catalog holds for the focal tool, untouched.
        focal = next(tool for tool in tools if tool.name != "json_schema_echo")
        await call(session, "json_schema_echo", {"schema": focal.input_schema})
        return
    planned = context.get("toolCalls")
    if planned:
        for item in planned:
            await call(session, item["name"], item.get("arguments") or {})
        return
    for tool in tools:
        await call(session, tool.name, sample_arguments(tool.input_schema))
    await visit_resources_and_prompts(session)


async def call(session: ClientSession, name: str, arguments: dict[str, Any]) -> None:
    try:
        result = await session.call_tool(name, arguments, timeout=30)
    except RemoteError as exc:
        logging.info("%s refused: %s", name, exc)
        return
    logging.info("%s -> %s", name, result.text[:200])


async def visit_resources_and_prompts(session: ClientSession) -> None:
    """List and open one resource and one prompt when the server offers them."""
    capabilities = session.server.capabilities if session.server else {}
    if "resources" in capabilities:
        resources = await session.list_resources()
        if resources and isinstance(resources[0].get("uri"), str):
            await session.read_resource(resources[0]["uri"])
    if "prompts" in capabilities:
        prompts = await session.list_prompts()
        if prompts and isinstance(prompts[0].get("name"), str):
            await session.get_prompt(prompts[0]["name"])


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    asyncio.run(run(sys.argv[-1], scenario, context))


if __name__ == "__main__":
    main()
