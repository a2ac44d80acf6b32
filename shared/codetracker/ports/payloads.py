"""Where claim-checked message bodies are kept."""

from __future__ import annotations

from typing import Protocol


class PayloadStore(Protocol):
    """Where claim-checked message bodies are kept (S3 in AWS). Locations are the store's own URLs."""

    def put(self, name: str, data: bytes) -> str:
        """Store data under a new name; its location. PayloadUnavailable when the store cannot take it."""
        ...

    def get(self, location: str) -> bytes:
        """PayloadUnavailable when it cannot be read (gone, or the store is away)."""
        ...

    def delete(self, location: str) -> None:
        """Deleting what is already gone is not an error."""
        ...
