"""Channel adapters: each turns its outside world into InboundMessages and sends
OutboundMessages back. See docs/adding-a-channel.md."""
