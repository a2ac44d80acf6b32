"""The HTTP API edge: the Powertools resolver, its routers and the pydantic bodies (docs/architecture.md)."""
