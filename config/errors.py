"""The root of the host's one exception tree, drawn here once.

Each layer defines its own subtree in its own package so that imports keep pointing
left (config <- providers <- bridge <- agent); every class derives from ``HostError``::

    HostError                          config/errors.py
    ├── ConfigError                    a config file is missing, malformed or invalid
    ├── ProviderError                  providers/errors.py
    │   ├── ProviderAuthError          missing or rejected API key
    │   ├── ModelNotFoundError         the provider does not know the model
    │   ├── RateLimitError             429 after bounded retries
    │   ├── ContextTooLongError        the request exceeds the model's context
    │   ├── ToolsUnsupportedError      the model cannot take native tools
    │   ├── ProviderUnavailableError   the endpoint cannot be reached
    │   ├── ProviderTimeoutError       the provider did not answer in time
    │   └── ProviderResponseError      an answer cut short, malformed, empty or endless
    ├── BridgeError                    bridge/errors.py
    │   ├── MCPError                   anything on an MCP connection
    │   │   ├── ConnectionClosedError  the server exited or the stream ended
    │   │   ├── ProtocolError          the peer broke the wire rules
    │   │   ├── RequestTimeoutError    a request got no answer in time
    │   │   ├── RemoteError            a JSON-RPC error response (code, message, data)
    │   │   ├── ServerStartError       a server could not be started or initialized
    │   │   └── AuthorizationError     OAuth for a remote server failed or is needed
    │   └── NoServerAvailableError     every server of the fleet is down
    └── AgentError                     agent/errors.py
        └── UsageError                 a command line that cannot be run

Every message says what to do next. Max turns and cancellation are not errors: the loop
ends with ``RunFinished`` (``done``) and its reason, and ``agent run`` maps the reason to
its exit code (``agent.commands.run.EXIT_CODES``); a signal ends a command as
``agent.interrupts.Interrupted``, a KeyboardInterrupt, with 128 + its number. Every class
drawn here is raised somewhere: one that nothing raises is removed.
"""

from __future__ import annotations

__all__ = ["ConfigError", "HostError"]


class HostError(Exception):
    """The root of every error the host raises on purpose."""

    exit_code = 1


class ConfigError(HostError):
    """A config file is missing, malformed or invalid.

    ``location`` is ``"file:line:column"`` when known, ``key`` the dotted key path.
    """

    exit_code = 2

    def __init__(self, message: str, *, location: str | None = None, key: str | None = None):
        self.location = location
        self.key = key
        self.reason = message
        prefix = ""
        if location:
            prefix += f"{location}: "
        if key:
            prefix += f"{key}: "
        super().__init__(prefix + message)
