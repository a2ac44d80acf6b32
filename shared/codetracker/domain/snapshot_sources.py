"""Where a snapshot was scanned from, as a value two scans can be compared by: a snapshot is replaced only by a
scan of the same source, unless the caller says to replace it (the CLI's `--replace`).

A source is a location and a sub-path. The location is the repository's normal URL (domain/urls.py: the form
registrations are matched on, so a pipeline scan records its registration's URL), or `file://` and the
absolute path for a local repository or folder; the sub-path is the folder within it that was scanned ("" for
all of it). A folder inside a git checkout is the checkout's location with the folder as sub-path, so the
checkout scanned as a folder and as a repository is one source, and its sub-folders are others.
"""

from __future__ import annotations

import posixpath

from codetracker.domain.urls import UrlError, parse_url
from codetracker.errors import InvalidInput

_URL_SCHEMES = frozenset({"http", "https", "git", "file"})


def _file_location(path: str) -> str:
    # As parse_url trims a file:// URL's path: a checkout's `.git` folder and a bare `x.git` name the repository.
    path = path.rstrip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")].rstrip("/")
    return "file://" + (path or "/")


def repository_location(url: str) -> str:
    """The location of a repository given as a URL or an absolute local path (credentials already removed)."""
    text = url.strip()
    if "://" not in text:
        return _file_location(text)
    try:
        return parse_url(text, schemes=_URL_SCHEMES).normalized
    except UrlError:
        return text  # the fetch accepted it: compared as given


def folder_source(folder: str, checkout_root: str | None = None) -> tuple[str, str]:
    """(location, sub-path) of a folder on disk (a resolved absolute path); checkout_root: the git checkout
    that holds it, when it is in one."""
    folder = folder.rstrip("/") or "/"
    if checkout_root is not None:
        root = checkout_root.rstrip("/") or "/"
        if folder == root:
            return _file_location(root), ""
        if folder.startswith(root.rstrip("/") + "/"):
            return _file_location(root), posixpath.relpath(folder, root)
    return _file_location(folder), ""


def describe_source(location: str | None, subpath: str = "") -> str:
    """A source as a person reads it: a URL, or a local path; the sub-path after it."""
    if location is None:
        return "an unrecorded source"
    where = location[len("file://") :] if location.startswith("file://") else location
    return f"{where} (folder {subpath})" if subpath else where


def replaces_source(stored: tuple[str | None, str], given: tuple[str | None, str]) -> bool:
    """Whether a scan of `given` may replace a snapshot of `stored` without being told to: the same source,
    or either one unknown (a snapshot stored before sources were recorded is taken over by the first scan)."""
    if stored[0] is None or given[0] is None:
        return True
    return stored == given


def tree_folder(text: str) -> str:
    """A folder of a tree given by a user (`--path DIR`) as a sub-path: relative, `/`-separated, normalised
    (`./packages/a/` → `packages/a`), never leaving the tree; "" for the whole tree. InvalidInput(field="subpath")
    otherwise."""
    raw = text.replace("\\", "/").strip()
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in raw):
        raise InvalidInput("subpath must not contain control characters", field="subpath")
    if raw.startswith("/"):
        raise InvalidInput(f"subpath {raw!r} must be relative to the tree's root", field="subpath")
    normal = posixpath.normpath(raw) if raw else "."
    if normal == ".." or normal.startswith("../"):
        raise InvalidInput(f"subpath {raw!r} leaves the tree", field="subpath")
    return "" if normal == "." else normal
