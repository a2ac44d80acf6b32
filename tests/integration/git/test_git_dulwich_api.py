"""The dulwich (and urllib3) internals the git adapter relies on, pinned so that an upgrade fails here, loudly.

transport.py subclasses dulwich's clients and overrides private methods (`_http_request`, `_connect`,
`_warn_filter_objects`); dulwich calls them with the parameters listed below. pyproject.toml allows only
the dulwich minor versions this file passed on: when an upgrade fails here, adapt transport.py first.
"""

from __future__ import annotations

import inspect

import pytest

from codetracker.adapters.git.transport import client_classes, http_pool_manager
from codetracker.ports.git import FetchLimits

POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD
EMPTY = inspect.Parameter.empty


def parameters(function) -> list[tuple[str, object, object]]:
    """(name, kind, default) of each parameter."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_installed_dulwich_is_the_pinned_minor_version():
    import dulwich

    assert dulwich.__version__[:2] == (1, 2), "adapt transport.py and this file, then widen pyproject.toml"


# --- the private methods transport.py overrides: exactly these parameters -----------------------------


OVERRIDDEN = [
    (
        "dulwich.client.Urllib3HttpGitClient",
        "_http_request",
        [
            ("self", POSITIONAL, EMPTY),
            ("url", POSITIONAL, EMPTY),
            ("headers", POSITIONAL, None),
            ("data", POSITIONAL, None),
            ("raise_for_status", POSITIONAL, True),
        ],
    ),
    (
        "dulwich.client.TCPGitClient",
        "_connect",
        [
            ("self", POSITIONAL, EMPTY),
            ("cmd", POSITIONAL, EMPTY),
            ("path", POSITIONAL, EMPTY),
            ("protocol_version", POSITIONAL, None),
        ],
    ),
    ("dulwich.client.GitClient", "_warn_filter_objects", []),
]


def _dulwich_class(dotted: str) -> type:
    import importlib

    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("owner", "method", "expected"), OVERRIDDEN, ids=[m for _o, m, _e in OVERRIDDEN])
def test_overridden_private_methods_keep_their_signature(owner, method, expected):
    base = _dulwich_class(owner)
    assert method in vars(base), f"{owner}.{method} moved or is gone"
    assert parameters(getattr(base, method)) == expected


def test_our_overrides_take_what_dulwich_passes():
    http_client, tcp_client = client_classes()
    from dulwich.client import GitClient, TCPGitClient, Urllib3HttpGitClient

    assert http_client.__mro__[1] is Urllib3HttpGitClient and tcp_client.__mro__[1] is TCPGitClient
    for ours, base, method in [
        (http_client, Urllib3HttpGitClient, "_http_request"),
        (tcp_client, TCPGitClient, "_connect"),
        (http_client, GitClient, "_warn_filter_objects"),
        (tcp_client, GitClient, "_warn_filter_objects"),
    ]:
        assert [name for name, *_ in parameters(getattr(ours, method))] == [
            name for name, *_ in parameters(getattr(base, method))
        ], f"{ours.__name__}.{method}"
    # called on the class by dulwich (GitClient._warn_filter_objects()): both must stay static
    assert isinstance(inspect.getattr_static(GitClient, "_warn_filter_objects"), staticmethod)
    assert isinstance(inspect.getattr_static(http_client, "_warn_filter_objects"), staticmethod)
    assert isinstance(inspect.getattr_static(tcp_client, "_warn_filter_objects"), staticmethod)


# --- public dulwich API called with keywords, and private attributes read by the overrides ---------------


def _has_parameters(function, names: list[str]) -> None:
    found = [name for name, *_ in parameters(function)]
    missing = [name for name in names if name not in found]
    assert not missing, f"{function.__qualname__} lost {missing}: it takes {found}"


def test_dulwich_calls_the_adapter_makes():
    from dulwich.client import TCPGitClient, Urllib3HttpGitClient, default_urllib3_manager
    from dulwich.objects import parse_tree
    from dulwich.pack import apply_delta
    from dulwich.protocol import Protocol

    _has_parameters(TCPGitClient.__init__, ["self", "host", "port"])
    _has_parameters(Urllib3HttpGitClient.__init__, ["base_url", "pool_manager", "username", "password"])
    for client in (TCPGitClient, Urllib3HttpGitClient):
        _has_parameters(
            client.fetch_pack,
            ["path", "determine_wants", "graph_walker", "pack_data", "depth", "ref_prefix", "filter_spec"],
        )
    assert [name for name, *_ in parameters(Protocol.__init__)][:4] == ["self", "read", "write", "close"]
    _has_parameters(Protocol.__init__, ["report_activity", "shutdown_write"])
    _has_parameters(default_urllib3_manager, ["config", "base_url", "timeout", "pool_manager_cls", "proxy_manager_cls"])
    assert [name for name, *_ in parameters(parse_tree)][:2] == ["text", "sha_len"]
    assert len(parameters(apply_delta)) == 2


def test_private_client_attributes_the_git_connect_override_reads():
    from dulwich.client import TCPGitClient

    client = TCPGitClient("127.0.0.1", 9418)
    for attribute in ("_host", "_port", "_remote_path_encoding", "_report_activity", "protocol_version"):
        assert hasattr(client, attribute), attribute
    assert (client._host, client._port) == ("127.0.0.1", 9418)


def test_urllib3_pool_manager_hooks_for_the_deadline_watch():
    manager = http_pool_manager("http://127.0.0.1:1/", FetchLimits(), on_socket=lambda _sock: None)
    pools = manager.pool_classes_by_scheme
    assert {"http", "https"} <= set(pools)
    assert pools["http"].__name__ == "WatchedHTTPConnectionPool"  # installed, not skipped silently
    manager.clear()


def test_urllib3_internals_the_pinned_connection_relies_on():
    """transport._pinned_socket replaces HTTPConnection._new_conn (the one place urllib3 resolves and connects,
    before TLS wraps the socket) and resolves `host`; the managers turn redirects off through `urlopen`'s
    `redirect` parameter, and dulwich reads the redirect back from `redirect_location`, which we set."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection

    assert "_new_conn" in vars(HTTPConnection) and "_new_conn" not in vars(HTTPSConnection)
    assert parameters(HTTPConnection._new_conn) == [("self", POSITIONAL, EMPTY)]
    connection = HTTPConnection("public.example.", 443)
    assert connection.host == "public.example"
    for attribute in ("timeout", "source_address", "socket_options", "port"):
        assert hasattr(connection, attribute), attribute
    _has_parameters(urllib3.PoolManager.urlopen, ["method", "url", "redirect"])
    _has_parameters(urllib3.ProxyManager.urlopen, ["method", "url", "redirect"])
    import dulwich.client

    assert "resp.redirect_location" in inspect.getsource(dulwich.client.AbstractHttpGitClient._discover_references)
