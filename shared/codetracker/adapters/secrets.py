"""Deployment secrets: each one is an environment variable (local runs, tests) or a Secrets Manager secret
(AWS: `<VARIABLE>_SECRET_ID` names it), read on first use and cached for `max_age_s` so that a rotation is
picked up without a redeploy. A secret's value never appears in a repr, a log line or an error message."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from codetracker.errors import ConfigurationError, RetryableError
from codetracker.settings import SecretSetting


class SecretUnavailable(RetryableError):
    code = "secret_unavailable"


def _default_client() -> Any:
    import boto3

    return boto3.client("secretsmanager")


def _secret_string(client: Any, secret_id: str, variable: str) -> str | None:
    """The secret's SecretString (None: it has none). ConfigurationError naming `variable` (the setting that
    names the secret) when it cannot be read; SecretUnavailable (retryable) when Secrets Manager fails."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = client.get_secret_value(SecretId=secret_id)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("ResourceNotFoundException", "AccessDeniedException", "InvalidRequestException"):
            raise ConfigurationError(f"the secret of {variable} cannot be read ({code})", setting=variable) from None
        raise SecretUnavailable(f"Secrets Manager failed ({code or 'error'})") from None
    except BotoCoreError as err:
        raise SecretUnavailable(f"Secrets Manager cannot be reached ({type(err).__name__})") from None
    return answer.get("SecretString")


class SettingsSecretSource:
    def __init__(
        self,
        secrets: Mapping[str, SecretSetting],
        *,
        max_age_s: float = 300.0,
        client_factory: Callable[[], Any] = _default_client,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secrets = dict(secrets)
        self._max_age_s = max_age_s
        self._client_factory = client_factory
        self._client: Any = None
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SettingsSecretSource({sorted(self._secrets)})"

    def get(self, name: str) -> str:
        setting = self._secrets.get(name)
        if setting is None:
            raise ConfigurationError(f"no secret named {name!r} is configured", setting=name)
        if setting.value:
            return setting.value
        if not setting.secret_id:
            raise ConfigurationError(
                f"{setting.variable} is not set (nor {setting.variable}_SECRET_ID)", setting=setting.variable
            )
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and self._monotonic() - cached[0] < self._max_age_s:
                return cached[1]
            value = self._fetch(setting, setting.secret_id)
            self._cache[name] = (self._monotonic(), value)
            return value

    def _fetch(self, setting: SecretSetting, secret_id: str) -> str:
        if self._client is None:
            self._client = self._client_factory()
        value = _secret_string(self._client, secret_id, f"{setting.variable}_SECRET_ID")
        if not value:
            raise ConfigurationError(
                f"the secret of {setting.variable}_SECRET_ID has no string value",
                setting=f"{setting.variable}_SECRET_ID",
            )
        return value

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


class DatabasePasswordSource:
    """The database conninfo with its password from a Secrets Manager secret in the RDS format (JSON with a
    "password"), as PostgresDatabase's conninfo callable: it calls it on first connection and again after a
    failed one, so every call reads the secret afresh (a rotated password is picked up at once)."""

    def __init__(self, conninfo: str, secret_id: str, client: Any) -> None:
        self._conninfo = conninfo
        self._secret_id = secret_id
        self._client = client

    def __repr__(self) -> str:
        return f"DatabasePasswordSource(secret_id={self._secret_id!r})"

    def __call__(self) -> str:
        import json

        from codetracker.adapters.postgres.connection import with_password

        variable = "CODE_TRACKER_PG_PASSWORD_SECRET_ID"
        secret = _secret_string(self._client, self._secret_id, variable)
        try:
            password = json.loads(secret or "")["password"]
        except (ValueError, KeyError, TypeError):
            raise ConfigurationError(
                f'the secret of {variable} is not JSON with a "password" (the RDS format)', setting=variable
            ) from None
        return with_password(self._conninfo, password)
