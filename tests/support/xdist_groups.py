"""`xdist_group` marks under pytest 9.2: pytest-xdist's `--dist loadgroup` keeps the tests of one group on one
worker by appending `@<group>` to their node ids in each worker, which it does by setting the private
`item._nodeid`; pytest 9.2 keeps node ids as structured `NodeId`s (`item._id`) and no longer reads `_nodeid`,
so every mark was silently ignored (measured: both tests of one group ran on two workers). `tag_groups` adds the
suffix the way this pytest stores it, does nothing where xdist's own tagging worked, and stops the run when
neither did, rather than run grouped tests concurrently."""

from __future__ import annotations

import pytest


def _group(item: pytest.Item) -> str | None:
    """The group name as pytest-xdist forms it: the marks' names, sorted, joined by `_`."""
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) or None


def tag_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker run with --dist loadgroup (pytest_collection_modifyitems): each grouped test's node id
    ends with `@<group>`."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        group = _group(item)
        if group is None or item.nodeid.endswith(f"@{group}"):
            continue
        node_id = getattr(item, "_id", None)
        if node_id is not None and hasattr(node_id, "parse"):
            item._id = type(node_id).parse(f"{item.nodeid}@{group}")
        if not item.nodeid.endswith(f"@{group}"):
            raise pytest.UsageError(
                f"cannot tag {item.nodeid} with its xdist_group {group!r} on this pytest: its group would run "
                "on several workers (tests/support/xdist_groups.py)"
            )
