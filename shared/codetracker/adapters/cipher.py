"""Encryption at rest of the secrets the service must read back: repository access tokens and the apps'
`whsec_` signing secrets. AES-256-GCM (the `cryptography` package) with a 32-byte key from the
`encryption_key` secret (`CODE_TRACKER_ENCRYPTION_KEY`, 64 hex digits or base64; Secrets Manager in AWS).

A ciphertext is `0x01 || nonce (12 random bytes) || AES-GCM(plaintext) with its 16-byte tag`; the associated
data is the row it belongs to (`repository:<id>:access_token`), so a ciphertext copied to another row does
not decrypt. The leading byte is the format and key version, room for a key rotation.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from codetracker.errors import ConfigurationError
from codetracker.ports.secrets import SecretSource

KEY_SECRET = "encryption_key"
KEY_SETTING = "CODE_TRACKER_ENCRYPTION_KEY"
_VERSION = b"\x01"
_NONCE_BYTES = 12


def _key_bytes(text: str) -> bytes:
    """64 hex digits (what Secrets Manager can generate: template.yaml) or base64 of the 32 bytes."""
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        return bytes.fromhex(text)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{KEY_SETTING} is neither 64 hex digits nor base64", setting=KEY_SETTING) from None


def generate_key() -> str:
    """A new key, as CODE_TRACKER_ENCRYPTION_KEY holds it."""
    return base64.b64encode(os.urandom(32)).decode()


class AesGcmTokenCipher:
    def __init__(self, secrets: SecretSource) -> None:
        self._secrets = secrets
        self._aead: Any = None
        self._key_text: str | None = None

    def __repr__(self) -> str:
        return "AesGcmTokenCipher(<key not shown>)"

    def _cipher(self) -> Any:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        text = self._secrets.get(KEY_SECRET)
        if self._aead is None or text != self._key_text:
            key = _key_bytes(text.strip())
            if len(key) != 32:
                raise ConfigurationError(
                    f"{KEY_SETTING} must be 32 bytes (64 hex digits or base64), got {len(key)}", setting=KEY_SETTING
                )
            self._aead, self._key_text = AESGCM(key), text
        return self._aead

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._cipher().encrypt(nonce, plaintext.encode("utf-8"), context.encode())

    def decrypt(self, ciphertext: bytes, *, context: str) -> str:
        from cryptography.exceptions import InvalidTag

        if ciphertext[:1] != _VERSION or len(ciphertext) < 1 + _NONCE_BYTES + 16:
            raise ConfigurationError("a stored secret has an unknown format", setting=KEY_SETTING)
        nonce, body = ciphertext[1 : 1 + _NONCE_BYTES], ciphertext[1 + _NONCE_BYTES :]
        try:
            return self._cipher().decrypt(nonce, body, context.encode()).decode("utf-8")
        except InvalidTag:
            raise ConfigurationError(
                f"a stored secret does not decrypt with {KEY_SETTING} (wrong key, or not this row's)",
                setting=KEY_SETTING,
            ) from None
