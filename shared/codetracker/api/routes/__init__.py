"""The API's routers, one per resource; codetracker.api.http includes them (docs/architecture.md: where a new
route goes)."""
