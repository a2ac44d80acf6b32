"""Connecting to Postgres, and keeping passwords out of what is shown.

Where the database is comes from the settings (`codetracker.settings.DatabaseLocation`); the embedded server
of local runs from `codetracker.local.embedded_postgres`. This module only connects to a conninfo it is given.

Passwords never reach messages: use ``redacted(conninfo)`` to show a conninfo, and every error raised here
has the password scrubbed. psycopg is imported lazily, on the paths that use it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from codetracker.errors import StoreConfigurationError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg

DEFAULT_CONNECT_TIMEOUT = 5  # seconds; libpq counts whole seconds
APPLICATION_NAME = "codetracker"
_HIDDEN = "***"


def with_password(conninfo: str, password: str) -> str:
    """A key=value conninfo with its password set (replaced when it has one)."""
    pairs = [(key, raw) for key, raw, _ in (_keyword_pairs(conninfo) or []) if key != "password"]
    return " ".join([f"{key}={raw}" for key, raw in pairs] + [f"password={_quote_value(password)}"])


def _quote_value(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


# --- connecting -------------------------------------------------------------------------------------------


def connect(
    conninfo: str, *, connect_timeout: int = DEFAULT_CONNECT_TIMEOUT, autocommit: bool = True
) -> psycopg.Connection:
    """Open a connection for the store: no automatic prepared statements, a short connect timeout.

    prepare_threshold=None because RDS Proxy pins a client to one server session once it prepares a statement.
    A connect_timeout or application_name already in conninfo wins over the defaults.
    Raises StoreUnavailable (retryable) when the server cannot be reached, StoreConfigurationError when the
    conninfo is malformed; neither message contains the password.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as err:
        raise StoreConfigurationError(
            f"malformed Postgres conninfo {redacted(conninfo)}: {driver_message(err, conninfo)}"
        ) from None
    defaults: dict[str, Any] = {"connect_timeout": connect_timeout, "application_name": APPLICATION_NAME}
    extra = {key: value for key, value in defaults.items() if key not in given}
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, prepare_threshold=None, **extra)
    except psycopg.Error as err:
        # `from None`: libpq messages can quote parts of the conninfo; only the scrubbed text travels on.
        raise StoreUnavailable(
            f"cannot connect to Postgres at {redacted(conninfo)}: {driver_message(err, conninfo)}"
        ) from None


# --- redaction --------------------------------------------------------------------------------------------

_URI_PREFIXES = ("postgresql://", "postgres://")
_QUERY_PASSWORD = re.compile(r"(^|&)password=([^&]*)")
_KEYWORD_PAIR = re.compile(r"\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")


def redacted(conninfo: str) -> str:
    """conninfo with its password replaced by ***, for logs and messages."""
    if conninfo.startswith(_URI_PREFIXES):
        return _redacted_uri(conninfo)
    pairs = _keyword_pairs(conninfo)
    if pairs is None:
        # Not parseable: show nothing of it rather than risk showing the password.
        return "<unparseable conninfo>"
    return " ".join(f"{key}={_HIDDEN if key == 'password' else raw}" for key, raw, _ in pairs)


def hide_password(text: str, conninfo: str) -> str:
    """text with every occurrence of conninfo's password replaced by ***."""
    for password in sorted(_passwords(conninfo), key=len, reverse=True):
        text = text.replace(password, _HIDDEN)
    return text


def driver_message(err: BaseException, conninfo: str) -> str:
    """A psycopg/libpq error as one line (libpq adds hints on indented lines), password hidden."""
    return " ".join(hide_password(str(err), conninfo).split())


def _redacted_uri(uri: str) -> str:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable conninfo>"
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    netloc = parts.netloc
    if at and ":" in userinfo:
        user, _, password = userinfo.partition(":")
        if password:
            netloc = f"{user}:{_HIDDEN}@{hostinfo}"
    query = _QUERY_PASSWORD.sub(rf"\1password={_HIDDEN}", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _keyword_pairs(conninfo: str) -> list[tuple[str, str, str]] | None:
    """(key, raw value, unquoted value) for each key=value of a libpq keyword conninfo; None if malformed."""
    pairs = []
    position = 0
    text = conninfo.rstrip()
    while position < len(text):
        match = _KEYWORD_PAIR.match(text, position)
        if match is None or match.end() == position:
            return None
        raw = match["value"]
        value = raw[1:-1] if raw.startswith("'") else raw
        pairs.append((match["key"], raw, re.sub(r"\\(.)", r"\1", value)))
        position = match.end()
        if position < len(text) and not text[position].isspace():
            return None
    return pairs


def _passwords(conninfo: str) -> set[str]:
    found: set[str] = set()
    if conninfo.startswith(_URI_PREFIXES):
        try:
            parts = urlsplit(conninfo)
        except ValueError:
            parts = None
            # Malformed URI (libpq quotes it whole in its error): hide what sits between "user:" and "@".
            found.update(m[1] for m in re.finditer(r"://[^/@:]*:([^@]*)@", conninfo))
        if parts is not None:
            userinfo, at, _ = parts.netloc.rpartition("@")
            if at and ":" in userinfo:
                password = userinfo.partition(":")[2]
                found.update({password, unquote(password)})
            for match in _QUERY_PASSWORD.finditer(parts.query):
                found.update({match[2], unquote(match[2])})
    else:
        pairs = _keyword_pairs(conninfo)
        if pairs is None:
            # Malformed: hide whatever follows password= up to the next blank.
            found.update(m[1] for m in re.finditer(r"password\s*=\s*(\S+)", conninfo))
        for key, raw, value in pairs or ():
            if key == "password":
                found.update({raw, value})
    return {password for password in found if password}
