"""Settings from the environment: defaults, overrides, clear errors for bad values, the database's precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from codetracker.errors import ConfigurationError
from codetracker.settings import Settings


def test_defaults_and_overrides():
    settings = Settings.from_env({"CODE_TRACKER_MAX_FILE_BYTES": "100", "CODE_TRACKER_GIT_READ_TIMEOUT": "2.5"})
    assert settings.selection.max_file_bytes == 100
    assert settings.fetch_limits.read_timeout == 2.5
    assert Settings.from_env({}).fetch_limits.max_files == 200_000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CODE_TRACKER_MAX_FILE_BYTES", "ten"),
        ("CODE_TRACKER_MAX_FILES", "-1"),
        ("CODE_TRACKER_GIT_CONNECT_TIMEOUT", "0"),
        ("CODE_TRACKER_MAX_PACK_BYTES", "1.5"),
    ],
)
def test_bad_values_are_configuration_errors_naming_the_variable(name, value):
    # The operator's mistake, not the caller's: a ConfigurationError (a 500 in the API), not InvalidInput.
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env({name: value})
    assert error.value.setting == name and name in str(error.value)


def test_database_precedence_is_decided_once(tmp_path: Path):
    parts = {"CODE_TRACKER_PG_HOST": "db", "CODE_TRACKER_PG_DATABASE": "ct", "CODE_TRACKER_PG_USER": "u"}
    url = "postgresql://u@elsewhere/ct"
    assert Settings.from_env({"DATABASE_URL": url, **parts}).database.origin == "DATABASE_URL"
    assert Settings.from_env(parts).database.origin == "CODE_TRACKER_PG_*"
    started = []

    def embedded_conninfo(data_dir: Path) -> str:
        started.append(data_dir)
        return "host=/run/embedded dbname=codetracker"

    env = {"CODE_TRACKER_PG_DATA": str(tmp_path)}
    embedded = Settings.from_env(env, embedded_conninfo=embedded_conninfo).database
    assert embedded.embedded and embedded.embedded_data_dir == tmp_path
    assert started == []  # started on first connection, not by the settings
    assert embedded.conninfo_source()() == "host=/run/embedded dbname=codetracker" and started == [tmp_path]
    assert Settings.from_env({**env, **parts}, embedded_conninfo=embedded_conninfo).database.origin == (
        "CODE_TRACKER_PG_*"
    )
    # Lambda never falls back to an embedded server: no database configured is an error when it is needed.
    lambda_side = Settings.from_env({"CODE_TRACKER_PG_DATA": str(tmp_path)}).database
    assert lambda_side.origin == "none"
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        lambda_side.conninfo_source()()


def test_incomplete_database_settings_fail_at_start():
    with pytest.raises(ConfigurationError, match="CODE_TRACKER_PG_USER"):
        Settings.from_env({"CODE_TRACKER_PG_HOST": "db", "CODE_TRACKER_PG_DATABASE": "ct"})


def test_the_password_never_shows_in_a_repr():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u:hunter2@db/ct"})
    assert "hunter2" not in repr(settings)
