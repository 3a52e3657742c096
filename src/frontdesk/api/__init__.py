"""The REST API under /api/v1: thin routes that parse, authorise, call a domain action and
serialise the result."""
