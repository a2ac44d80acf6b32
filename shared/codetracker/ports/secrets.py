"""Deployment secrets, and encryption at rest of the secrets the service reads back."""

from __future__ import annotations

from typing import Protocol


class SecretSource(Protocol):
    """Named deployment secrets (the admin token, the GitHub webhook secret, the encryption key): an
    environment variable locally, Secrets Manager in AWS, cached for a while. Never logged."""

    def get(self, name: str) -> str:
        """Raise codetracker.errors.ConfigurationError naming the setting when the secret is not configured."""
        ...


class TokenCipher(Protocol):
    """Encryption at rest of secrets the service must read back (access tokens, signing secrets).

    `context` binds a ciphertext to where it is stored (e.g. "repository:<id>:access_token"): a ciphertext
    copied to another row does not decrypt."""

    def encrypt(self, plaintext: str, *, context: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes, *, context: str) -> str: ...
