"""Where the database is, as the settings decide it (`DatabaseLocation`): the precedence, CODE_TRACKER_PG_* as a
conninfo, clear errors for incomplete or malformed settings (without the password), the embedded data directory.
Every conninfo here is what the CLI would connect to: `DatabaseLocation.from_env(…).conninfo_source()()`."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from codetracker.adapters.postgres.connection import redacted
from codetracker.errors import StoreConfigurationError
from codetracker.settings import DatabaseLocation, embedded_data_dir

SECRET = "s3cr3t-P4ss"
COMPLETE = {
    "CODE_TRACKER_PG_HOST": "db.internal",
    "CODE_TRACKER_PG_DATABASE": "codetracker",
    "CODE_TRACKER_PG_USER": "tracker",
    "CODE_TRACKER_PG_PASSWORD": SECRET,
}


def resolved(env: dict[str, str]) -> str:
    """The conninfo the CLI would use (an embedded server is never started here: the fake says so)."""
    return DatabaseLocation.from_env(env, embedded_conninfo=_no_embedded_server).conninfo_source()()


def _no_embedded_server(data_dir: Path) -> str:
    raise AssertionError(f"the embedded Postgres was asked for ({data_dir}) although the settings name a server")


def everything_said(err: BaseException) -> str:
    return "".join(traceback.format_exception(err)) + repr(err)


# --- settings ------------------------------------------------------------------------------------------


def test_database_url_wins_over_everything() -> None:
    url = "postgresql://u:p@elsewhere:6543/db"
    assert resolved({"DATABASE_URL": url, **COMPLETE}) == url


def test_settings_become_a_conninfo() -> None:
    conninfo = resolved(COMPLETE)
    assert conninfo_to_dict(conninfo) == {
        "host": "db.internal",
        "port": "5432",
        "dbname": "codetracker",
        "user": "tracker",
        "password": SECRET,
    }


def test_awkward_passwords_survive_quoting() -> None:
    awkward = "it's a \\ pass word="
    conninfo = resolved({**COMPLETE, "CODE_TRACKER_PG_PASSWORD": awkward, "CODE_TRACKER_PG_PORT": "6000"})
    assert conninfo_to_dict(conninfo)["password"] == awkward
    assert conninfo_to_dict(conninfo)["port"] == "6000"
    assert awkward not in redacted(conninfo) and "pass word" not in redacted(conninfo)


@pytest.mark.parametrize(
    ("setting", "sslmode"),
    [
        ("true", "require"),
        ("YES", "require"),
        ("1", "require"),
        ("false", "disable"),
        ("no", "disable"),
        ("0", "disable"),
        ("verify-full", "verify-full"),
        ("prefer", "prefer"),
    ],
)
def test_ssl_setting_becomes_an_sslmode(setting: str, sslmode: str) -> None:
    conninfo = resolved({**COMPLETE, "CODE_TRACKER_PG_SSL": setting})
    assert conninfo_to_dict(conninfo)["sslmode"] == sslmode


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CODE_TRACKER_PG_HOST": "db"}, ["CODE_TRACKER_PG_DATABASE", "CODE_TRACKER_PG_USER"]),
        (
            {"CODE_TRACKER_PG_PASSWORD": SECRET},
            ["CODE_TRACKER_PG_HOST", "CODE_TRACKER_PG_DATABASE", "CODE_TRACKER_PG_USER"],
        ),
        ({**COMPLETE, "CODE_TRACKER_PG_USER": ""}, ["CODE_TRACKER_PG_USER"]),
    ],
)
def test_partial_settings_name_what_is_missing(env: dict[str, str], named: list[str]) -> None:
    with pytest.raises(StoreConfigurationError) as raised:
        resolved(env)
    for name in named:
        assert name in str(raised.value)
    assert SECRET not in everything_said(raised.value)


@pytest.mark.parametrize(
    "bad",
    [{"CODE_TRACKER_PG_PORT": "54x2"}, {"CODE_TRACKER_PG_PORT": "70000"}, {"CODE_TRACKER_PG_SSL": "maybe"}],
)
def test_malformed_settings_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(StoreConfigurationError):
        resolved({**COMPLETE, **bad})


def test_embedded_data_dir_follows_the_environment(tmp_path: Path) -> None:
    assert embedded_data_dir({"CODE_TRACKER_PG_DATA": str(tmp_path / "pg"), "XDG_DATA_HOME": "/xdg"}) == (
        tmp_path / "pg"
    )
    assert embedded_data_dir({"XDG_DATA_HOME": "/xdg", "HOME": "/home/me"}) == Path("/xdg/codetracker/pgdata")
    assert embedded_data_dir({"XDG_DATA_HOME": "relative", "HOME": "/home/me"}) == Path(
        "/home/me/.local/share/codetracker/pgdata"
    )
    assert embedded_data_dir({"HOME": "/home/me", "CODE_TRACKER_PG_DATA": ""}) == Path(
        "/home/me/.local/share/codetracker/pgdata"
    )
