"""`codetracker show SLUG --tag T --public`: one snapshot's public API by subpath, each export with its
function's parameters (table or JSON)."""

from __future__ import annotations

import json
from typing import TextIO

from codetracker.cli.output import returns_text, signature_text

_PUBLIC_COLUMNS = ("subpath", "export", "file", "function", "async", "parameters", "returns")
_PUBLIC_FIT = {"keep": ("subpath", "export"), "shrink_first": ("parameters", "returns")}


def write_public_api(summary, descriptor, *, as_json: bool, out: TextIO) -> None:
    from codetracker.contracts.cli_output import summary_to_dict
    from codetracker.contracts.descriptor import public_subpaths_to_list
    from codetracker.domain.public_listing import group_by_subpath
    from codetracker.terminal import safe_text, write_table

    api = descriptor.public_api
    subpaths = group_by_subpath(api, descriptor.functions) if api is not None else None
    if as_json:
        listed = public_subpaths_to_list(subpaths) if subpaths is not None else None
        json.dump({"snapshot": summary_to_dict(summary), "public_api": listed}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    out.write(
        safe_text(f"{summary.module_slug} {summary.branch_name} {summary.release_tag} {summary.commit_sha or ''}")
    )
    out.write("\n")
    if subpaths is None:
        out.write("no public API stored: not a package's snapshot, or stored before public APIs were (scan again)\n")
        return
    for s in subpaths:
        conditions = f" ({', '.join(s.conditions)})" if s.conditions else ""
        out.write(safe_text(f"entry point {s.subpath}: {s.file_path or 'not in the tree'}{conditions}") + "\n")
    rows = [
        (
            s.subpath,
            e.export_name,
            e.file_path,
            e.name,
            "async" if f.is_async else "",
            signature_text(f),
            returns_text(f),
        )
        for s in subpaths
        for e in s.exports
        for f in e.functions
    ]
    write_table(rows, _PUBLIC_COLUMNS, out, **_PUBLIC_FIT)
    for s in subpaths:
        for u in s.unknown:
            out.write(safe_text(f"unknown export {s.subpath} {u.export_name}: {u.reason}") + "\n")
    count = sum(len(s.exports) for s in subpaths)
    out.write(f"{count} public functions in {len(subpaths)} subpaths\n")
