"""How the commands show descriptors and snapshot summaries on a terminal: columns, rows, summary lines."""

from __future__ import annotations

from codetracker.contracts.cli_output import SUMMARY_FIELDS

# The table shows the summary's fields but its scan time, which `show` puts last, with the source.
SUMMARY_COLUMNS = tuple(name for name in SUMMARY_FIELDS if name != "last_scanned_at")
FUNCTION_COLUMNS = ("file", "function", "export", "async", "parameters", "returns")
# On a terminal: what identifies a row is never cut; descriptions are cut first.
FUNCTION_FIT = {"keep": ("file", "function"), "shrink_first": ("parameters", "returns")}
# A summary's source is last and never cut (a row too wide wraps at its end); a sha cut is still recognisable.
SUMMARY_FIT = {"keep": ("module_slug", "branch_name", "release_tag", "source"), "shrink_first": ("commit_sha",)}
PACKAGE_COLUMNS = ("package", "version", "path", "module_slug", "private", "files", "functions")


def function_rows(functions) -> list[tuple]:
    return [
        (f.file_path, f.name, f.export_type, "async" if f.is_async else "", signature_text(f), returns_text(f))
        for f in functions
    ]


def signature_text(f) -> str:
    parts = []
    for p in f.parameters:
        text = ("..." if p.is_rest else "") + p.name + ("?" if p.is_optional and not p.is_rest else "")
        parts.append(f"{text}: {p.type}" if p.type else text)
    return "(" + ", ".join(parts) + ")"


def returns_text(f) -> str:
    return " | ".join(r.type for r in f.return_values if r.type)


def nothing_found_line(descriptor, extraction) -> str | None:
    """Why an empty result is empty (the summary line says what was not read)."""
    if descriptor.functions:
        return None
    return f"no exported functions found in {extraction.candidates} module files (JavaScript and TypeScript)"


def read_part(descriptor, extraction) -> str:
    """The end of a summary line, always: type-only exports read, and which files were not read, why."""
    from codetracker.domain.selection import describe_unread_sources

    types = sum(count for _, count in descriptor.type_exports)
    unread = describe_unread_sources(dict(extraction.unread_sources))
    return f"; {types} type exports; {unread}" if types else f"; {unread}"


def summary_row(summary, *, scanned_at: bool = False) -> list:
    from codetracker.contracts.cli_output import summary_to_dict
    from codetracker.domain.snapshot_sources import describe_source

    row = summary_to_dict(summary)
    # The listing (scanned_at) names each snapshot's package, "gone" when it left the tree.
    package = (summary.package_name or "") + (" (gone)" if summary.removed_from_tree_at else "")
    cells = [row[k] for k in SUMMARY_COLUMNS] + ([package, row["last_scanned_at"]] if scanned_at else [])
    return cells + [describe_source(summary.source_location, summary.source_subpath)]


def package_rows(descriptor) -> list[tuple]:
    """One row per package: what it publishes and the functions found in it."""
    rows = []
    for package in descriptor.packages:
        published = set(package.files)
        functions = sum(1 for f in descriptor.functions if f.file_path in published)
        rows.append(
            (
                package.name,
                package.version or "",
                package.path or ".",
                package.module_slug,
                "private" if package.private else "",
                len(package.files),
                functions,
            )
        )
    return rows
