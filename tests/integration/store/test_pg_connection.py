"""Connecting (prepared statements off, a short timeout), redaction of passwords in conninfos and errors,
unreachable servers, and the settings' conninfo reaching a real server."""

from __future__ import annotations

import socket
import traceback

import pytest
from psycopg.conninfo import conninfo_to_dict

from codetracker.adapters.postgres.connection import connect, hide_password, redacted
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.errors import RetryableError, StoreConfigurationError, StoreUnavailable
from codetracker.settings import DatabaseLocation
from tests.support.stores import snapshot_store
from codetracker.ports.snapshot_store import SnapshotSelection

SECRET = "s3cr3t-P4ss"
COMPLETE = {
    "CODE_TRACKER_PG_HOST": "db.internal",
    "CODE_TRACKER_PG_DATABASE": "codetracker",
    "CODE_TRACKER_PG_USER": "tracker",
    "CODE_TRACKER_PG_PASSWORD": SECRET,
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def everything_said(err: BaseException) -> str:
    return "".join(traceback.format_exception(err)) + repr(err)


# --- redaction ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conninfo", "shown"),
    [
        (
            f"postgresql://tracker:{SECRET}@db:5432/ct?sslmode=require",
            "postgresql://tracker:***@db:5432/ct?sslmode=require",
        ),
        (
            f"postgres://tracker@db/ct?password={SECRET}&sslmode=require",
            "postgres://tracker@db/ct?password=***&sslmode=require",
        ),
        (f"host=db user=tracker password={SECRET} dbname=ct", "host=db user=tracker password=*** dbname=ct"),
        (f"host=db password = '{SECRET} x\\'y' dbname=ct", "host=db password=*** dbname=ct"),
        (
            "postgresql://postgres:@/postgres?host=/tmp/sock",
            "postgresql://postgres:@/postgres?host=/tmp/sock",
        ),
        (f"host=db password='{SECRET}", "<unparseable conninfo>"),
    ],
)
def test_redacted_hides_the_password(conninfo: str, shown: str) -> None:
    assert redacted(conninfo) == shown
    assert SECRET not in hide_password(f"failed for {conninfo}", conninfo)


def test_hide_password_covers_percent_encoded_passwords() -> None:
    conninfo = "postgresql://tracker:p%40ss%2Fword@db/ct"
    assert hide_password("auth failed: p@ss/word or p%40ss%2Fword", conninfo) == "auth failed: *** or ***"


# --- connecting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "postgresql://tracker:{secret}@127.0.0.1:{port}/codetracker",
        "host=127.0.0.1 port={port} dbname=codetracker user=tracker password='{secret}'",
    ],
)
def test_unreachable_database_is_retryable_and_keeps_the_secret(template: str) -> None:
    conninfo = template.format(secret=SECRET, port=closed_port())
    with pytest.raises(StoreUnavailable) as raised:
        connect(conninfo, connect_timeout=2)
    assert isinstance(raised.value, RetryableError) and raised.value.retryable
    assert "127.0.0.1" in str(raised.value)
    assert SECRET not in everything_said(raised.value)

    database = PostgresDatabase(conninfo, connect_timeout=2)
    assert SECRET not in repr(database)
    with pytest.raises(StoreUnavailable) as raised:
        snapshot_store(database).list_snapshots(SnapshotSelection("anything"))
    assert SECRET not in everything_said(raised.value)


def test_malformed_conninfo_is_a_configuration_error_without_the_secret() -> None:
    with pytest.raises(StoreConfigurationError) as raised:
        connect(f"host=db password='{SECRET}")
    assert SECRET not in everything_said(raised.value)


def test_connections_skip_prepared_statements(database_url: str) -> None:
    with connect(database_url) as conn:
        assert conn.prepare_threshold is None  # RDS Proxy pins sessions that prepare statements
        assert conn.autocommit is True
        assert conn.execute("SHOW application_name").fetchone() == ("codetracker",)
        assert conn.info.get_parameters()["connect_timeout"] == "5"


def test_settings_reach_a_real_server(database_url: str) -> None:
    server = conninfo_to_dict(database_url)
    env = {
        "CODE_TRACKER_PG_HOST": str(server.get("host", "localhost")),
        "CODE_TRACKER_PG_PORT": str(server.get("port", "5432")),
        "CODE_TRACKER_PG_DATABASE": str(server.get("dbname", "postgres")),
        "CODE_TRACKER_PG_USER": str(server.get("user", "postgres")),
        "CODE_TRACKER_PG_PASSWORD": str(server.get("password") or ""),
    }
    with connect(DatabaseLocation.from_env(env, embedded_conninfo=None).conninfo_source()()) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (env["CODE_TRACKER_PG_DATABASE"],)
