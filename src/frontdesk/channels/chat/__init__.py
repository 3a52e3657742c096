"""The live chat channel: an embeddable widget (static/widget.js), the visitor's
WebSocket with an event-stream fallback (routes.py, connection.py, protocol.py), the
agent's side over the API (api.py, desk.py) and the event bus (hub.py), capacity
(capacity.py), invitations, transcripts, and the adapter that emails replies to visitors
who left. The protocol is in docs/chat-protocol.md."""
