"""The Textual chat UI of ``agent chat``; imported only by that command (Textual is slow to load).

``ChatApp`` is the app (inject a provider and a toolset to drive it in tests);
``agent.tui.factory.create_app`` wires it to the config, the model and the fleet.
"""

from agent.tui.app import ChatApp, Connector, ModelFactory

__all__ = ["ChatApp", "Connector", "ModelFactory"]
