"""Secrets from the environment or Secrets Manager (moto), cached with a max age, never shown; AES-GCM
ciphertexts bound to their row."""

from __future__ import annotations

import base64

import pytest

from codetracker.adapters.cipher import AesGcmTokenCipher, generate_key
from codetracker.adapters.secrets import SettingsSecretSource
from codetracker.errors import ConfigurationError
from codetracker.settings import SecretSetting, Settings


class Fixed:
    def __init__(self, **values):
        self.values = values

    def get(self, name):
        if name not in self.values:
            raise ConfigurationError(f"{name} unset", setting=name)
        return self.values[name]


def test_ciphertexts_decrypt_only_in_their_context():
    cipher = AesGcmTokenCipher(Fixed(encryption_key=generate_key()))
    sealed = cipher.encrypt("ghp_secret", context="repository:1:access_token")
    assert b"ghp_secret" not in sealed and sealed[:1] == b"\x01"
    assert cipher.decrypt(sealed, context="repository:1:access_token") == "ghp_secret"
    assert cipher.encrypt("ghp_secret", context="c") != cipher.encrypt("ghp_secret", context="c")  # fresh nonces
    with pytest.raises(ConfigurationError):
        cipher.decrypt(sealed, context="repository:2:access_token")
    with pytest.raises(ConfigurationError):
        AesGcmTokenCipher(Fixed(encryption_key=generate_key())).decrypt(sealed, context="repository:1:access_token")
    assert "key" in repr(cipher) and generate_key() not in repr(cipher)


def test_a_key_of_64_hex_digits_as_secrets_manager_generates_it_works():
    import os

    raw = os.urandom(32)
    as_hex = AesGcmTokenCipher(Fixed(encryption_key=raw.hex()))
    as_base64 = AesGcmTokenCipher(Fixed(encryption_key=base64.b64encode(raw).decode()))
    assert as_base64.decrypt(as_hex.encrypt("tok", context="c"), context="c") == "tok"


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode(), "ab" * 31])
def test_bad_keys_are_configuration_errors(key):
    with pytest.raises(ConfigurationError) as bad:
        AesGcmTokenCipher(Fixed(encryption_key=key)).encrypt("x", context="c")
    assert bad.value.setting == "CODE_TRACKER_ENCRYPTION_KEY"


def test_secrets_from_the_environment_never_show():
    settings = Settings.from_env({"CODE_TRACKER_ADMIN_TOKEN": "hunter2", "CODE_TRACKER_ALLOW_PRIVATE_URLS": "1"})
    assert "hunter2" not in repr(settings) and settings.api.allow_private_urls
    source = SettingsSecretSource(settings.api.secrets)
    assert source.get("admin_token") == "hunter2"
    with pytest.raises(ConfigurationError) as unset:
        source.get("github_webhook_secret")
    assert unset.value.setting == "CODE_TRACKER_GITHUB_WEBHOOK_SECRET"
    with pytest.raises(ConfigurationError):
        Settings.from_env({"CODE_TRACKER_ALLOW_PRIVATE_URLS": "maybe"})


def test_secrets_manager_values_are_cached_for_max_age(monkeypatch):
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    now = [0.0]
    with mock_aws():
        client = boto3.client("secretsmanager")
        arn = client.create_secret(Name="codetracker/admin", SecretString="first")["ARN"]
        source = SettingsSecretSource(
            {
                "admin_token": SecretSetting("CODE_TRACKER_ADMIN_TOKEN", None, arn),
                "github_webhook_secret": SecretSetting("CODE_TRACKER_GITHUB_WEBHOOK_SECRET", None, "missing"),
            },
            max_age_s=60,
            monotonic=lambda: now[0],
        )
        assert source.get("admin_token") == "first"
        client.put_secret_value(SecretId=arn, SecretString="rotated")
        now[0] = 30
        assert source.get("admin_token") == "first"  # cached
        now[0] = 61
        assert source.get("admin_token") == "rotated"  # picked up after max age
        with pytest.raises(ConfigurationError) as missing:
            source.get("github_webhook_secret")
        assert missing.value.setting == "CODE_TRACKER_GITHUB_WEBHOOK_SECRET_SECRET_ID"
        assert "first" not in repr(source) and "rotated" not in repr(source)
