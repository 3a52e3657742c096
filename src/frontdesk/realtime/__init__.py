"""Real-time events for the live UI: in-process by default, Redis across processes."""
