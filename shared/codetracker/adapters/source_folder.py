"""A folder on disk as a SourceTree: the working files as they are, no git involved.

What the walk reads, and what it does when it cannot:
- the root must be listable and searchable (else SourceUnreadable), and must not be a git repository's own
  directory, a bare repository or a `.git` folder (else SourceIsGitRepository); a checkout holding `.git/` is fine;
- a subdirectory that cannot be listed or searched is a problem of the scan (`problems()`), path `dir/`;
- module files (`.js`/`.mjs`) within the module size cap are read in full (hashed and kept for the parser);
  every other file is hashed in chunks when it is at most `hash_bytes_up_to` bytes, and listed with its size
  and `sha=None`, never opened, above that;
- a file that cannot be opened is listed with `sha=None`; when it is not a module file it is also a problem
  of the walk (a module file is reported by the use case, which fails to read it); `.codetrackerignore` at the
  root that cannot be read is an error, since the selection depends on it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from codetracker.domain.model import EntryKind, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.selection import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_HASH_BYTES,
    IGNORE_FILE_NAME,
    is_module_path,
)
from codetracker.errors import InvalidInput, SourceIsGitRepository, SourceNotFound, SourceUnreadable

# Never descended into: VCS metadata and installed dependencies are not the package's source, and
# walking node_modules can mean 100k files.
_PRUNED_DIRS = frozenset({".git", "node_modules"})
# Module files are read once to hash them; their bytes are kept until the scan reads them, within a budget.
_CONTENT_BUDGET_BYTES = 128 * 1024 * 1024
_HASH_CHUNK_BYTES = 1024 * 1024
# The walk reports its progress at most this often (and once at its end).
DEFAULT_PROGRESS_INTERVAL_SECONDS = 0.25

WalkProgress = Callable[[int, int], None]  # (files seen, bytes hashed)

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def git_blob_sha(content: bytes) -> str:
    """The sha git gives the same bytes, so folder and git scans share the blob cache."""
    digest = hashlib.sha1(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


def _display_name(name: str) -> str:
    """File names that are not UTF-8 (kept by Python as surrogate escapes, which Postgres refuses) are
    shown with backslash escapes, as the git adapter does."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def _reason(err: OSError) -> str:
    """An OSError as a few lower-case words: `permission denied`, `input/output error`."""
    if isinstance(err, PermissionError) or err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return (err.strerror or str(err) or type(err).__name__).lower()


def _open_for_reading(path: str) -> BinaryIO:
    """Open a file of the walk: never through a symlink, never blocking on a FIFO swapped in since the lstat.
    Raises FileNotFoundError when the path no longer is a regular file. (Tests wrap this to count reads.)"""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileNotFoundError(errno.ENOENT, "no longer a regular file", path)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _is_git_directory(root: Path) -> bool:
    """A bare repository or a `.git` folder (or a folder inside one): HEAD, objects/ and refs/ at the root."""
    if ".git" in root.parts:
        return True
    return (root / "HEAD").is_file() and (root / "objects").is_dir() and (root / "refs").is_dir()


class FolderSource:
    """The files of a folder. `entries()` walks it once (lazily); `problems()` lists what the walk could not read.

    walk_progress, when given, is called with (files seen, bytes hashed) while the walk runs, at most once per
    progress_interval seconds, and once when it ends.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        keep_bytes_up_to: int = DEFAULT_MAX_FILE_BYTES,
        hash_bytes_up_to: int = DEFAULT_MAX_HASH_BYTES,
        walk_progress: WalkProgress | None = None,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL_SECONDS,
    ) -> None:
        try:
            st = os.stat(root)
        except (FileNotFoundError, NotADirectoryError):
            raise SourceNotFound(f"folder not found: {root}", field="path") from None
        except OSError as err:  # an ancestor that cannot be searched
            raise SourceUnreadable(f"cannot read folder {root}: {_reason(err)}", field="path") from None
        if not stat.S_ISDIR(st.st_mode):
            raise InvalidInput(f"not a folder: {root}", field="path")
        self.root = Path(root).resolve()
        self._display_root = str(root)
        self._check_readable()
        if _is_git_directory(self.root):
            raise SourceIsGitRepository(
                f"{root} is a git repository's own directory (a bare repository or a .git folder), not a folder "
                "of source files: scan it as a git repository at a ref",
                field="path",
            )
        self._keep_bytes_up_to = keep_bytes_up_to
        self._hash_bytes_up_to = hash_bytes_up_to
        self._walk_progress = walk_progress
        self._progress_interval = progress_interval
        self._entries: tuple[TreeEntry, ...] | None = None
        self._problems: list[ScanProblem] = []
        self._real_paths: dict[str, str] = {}  # display path → path on disk, where they differ
        self._kept: dict[str, bytes] = {}
        self._kept_bytes = 0
        self._files_seen = 0
        self._bytes_hashed = 0
        self._last_progress = 0.0

    def _check_readable(self) -> None:
        """The root must be listable (read) and searchable (execute: lstat of its entries); a walk that could
        do neither would store an empty snapshot over a good one."""
        try:
            with os.scandir(self.root) as listing:
                next(listing, None)
            os.stat(os.path.join(self.root, "."))  # resolving a name inside needs search permission
        except OSError as err:
            raise self._unreadable_root(err) from None

    def _unreadable_root(self, err: OSError) -> SourceUnreadable:
        return SourceUnreadable(f"cannot read folder {self._display_root}: {_reason(err)}", field="path")

    # --- SourceTree ------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def location(self) -> str:
        return str(self.root)

    def entries(self) -> Sequence[TreeEntry]:
        if self._entries is None:
            self._problems, self._files_seen, self._bytes_hashed = [], 0, 0  # a walk that raised starts afresh
            self._last_progress = time.monotonic()
            entries = tuple(sorted(self._walk(), key=lambda e: e.path))
            self._problems.sort(key=lambda p: p.path)
            self._entries = entries
            if self._walk_progress is not None:
                self._walk_progress(self._files_seen, self._bytes_hashed)
        return self._entries

    def problems(self) -> Sequence[ScanProblem]:
        """What the walk could not read, sorted by path (walks the folder first if needed): directories that
        cannot be listed or searched (path `dir/`, reason `directory could not be read: …`) and files that are
        not module files and cannot be read (`file could not be read: …`). Unreadable module files are not in
        here: the use case reports them when their content cannot be read."""
        self.entries()
        return tuple(self._problems)

    def read(self, path: str) -> bytes | None:
        """Content of a regular file; None for a symlink, a missing or an unreadable file."""
        kept = self._kept.pop(path, None)
        if kept is not None:
            self._kept_bytes -= len(kept)
            return kept
        target = Path(self._real_paths.get(path) or self.root / path)
        try:
            if target.is_symlink() or not target.is_file():
                return None
            return target.read_bytes()
        except OSError:
            return None

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        for entry in entries:
            content = self.read(entry.path)
            if content is not None:
                yield entry, content

    # --- the walk ---------------------------------------------------------------------------------------

    def _walk(self) -> Iterator[TreeEntry]:
        stack = [(str(self.root), "")]
        while stack:
            directory, prefix = stack.pop()
            try:
                with os.scandir(directory) as listing:
                    scanned = list(listing)
            except FileNotFoundError:
                if not prefix:
                    raise SourceNotFound(f"folder not found: {self._display_root}", field="path") from None
                continue  # removed while walking: it is not there
            except OSError as err:
                if not prefix:
                    raise self._unreadable_root(err) from None
                self._directory_problem(prefix, err)
                continue
            for item in scanned:
                rel = prefix + _display_name(item.name)
                try:
                    st = item.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # vanished while walking
                except OSError as err:
                    # lstat needs search permission on the directory: then none of its entries can be read.
                    if not prefix:
                        raise self._unreadable_root(err) from None
                    self._directory_problem(prefix, err)
                    break
                if rel != prefix + item.name:
                    self._real_paths[rel] = item.path
                if stat.S_ISLNK(st.st_mode):
                    try:
                        target = os.fsencode(os.readlink(item.path))
                    except FileNotFoundError:
                        continue
                    except OSError as err:
                        self._problems.append(
                            ScanProblem(rel, ProblemKind.SKIPPED, f"symlink could not be read: {_reason(err)}")
                        )
                        continue
                    yield self._seen(TreeEntry(rel, EntryKind.SYMLINK, len(target), git_blob_sha(target)))
                elif stat.S_ISDIR(st.st_mode):
                    if item.name not in _PRUNED_DIRS:
                        stack.append((item.path, rel + "/"))
                elif stat.S_ISREG(st.st_mode):
                    try:
                        sha = self._hash_file(item.path, rel, st.st_size)
                    except FileNotFoundError:
                        continue  # removed, or replaced by something that is not a file, since the lstat
                    yield self._seen(TreeEntry(rel, EntryKind.FILE, st.st_size, sha))

    def _directory_problem(self, prefix: str, err: OSError) -> None:
        self._problems.append(ScanProblem(prefix, ProblemKind.SKIPPED, f"directory could not be read: {_reason(err)}"))

    def _hash_file(self, path: str, rel: str, size: int) -> str | None:
        """git blob sha of the file; None when it is not read (too large to hash) or cannot be read."""
        module = is_module_path(rel)
        keep = module and size <= self._keep_bytes_up_to
        if not keep and size > self._hash_bytes_up_to:
            return None  # listed with its size only: never opened
        try:
            with _open_for_reading(path) as fh:
                if keep:
                    content = fh.read()
                    self._hashed(len(content))
                    if self._kept_bytes + len(content) <= _CONTENT_BUDGET_BYTES:
                        self._kept[rel] = content
                        self._kept_bytes += len(content)
                    return git_blob_sha(content)
                # Any other file is hashed in chunks: a large binary never sits in memory whole. The header
                # needs the size up front; a file that grows or shrinks meanwhile is hashed as its lstat said.
                digest = hashlib.sha1(b"blob %d\0" % size)
                remaining = size
                while remaining > 0 and (chunk := fh.read(min(_HASH_CHUNK_BYTES, remaining))):
                    digest.update(chunk)
                    remaining -= len(chunk)
                    self._hashed(len(chunk))
                if remaining:
                    return None  # shrank while being read: no sha rather than a wrong one
                return digest.hexdigest()
        except FileNotFoundError:
            raise
        except OSError as err:
            if rel == IGNORE_FILE_NAME:
                # The selection depends on it: scanning without it would store what the folder excludes.
                raise SourceUnreadable(
                    f"cannot read {os.path.join(self._display_root, IGNORE_FILE_NAME)}: {_reason(err)}",
                    field="path",
                ) from None
            if not module:
                self._problems.append(ScanProblem(rel, ProblemKind.SKIPPED, f"file could not be read: {_reason(err)}"))
            return None

    # --- progress ---------------------------------------------------------------------------------------

    def _seen(self, entry: TreeEntry) -> TreeEntry:
        self._files_seen += 1
        self._maybe_report()
        return entry

    def _hashed(self, count: int) -> None:
        self._bytes_hashed += count
        self._maybe_report()

    def _maybe_report(self) -> None:
        if self._walk_progress is None:
            return
        now = time.monotonic()
        if now - self._last_progress >= self._progress_interval:
            self._last_progress = now
            self._walk_progress(self._files_seen, self._bytes_hashed)
