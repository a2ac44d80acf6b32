"""The folder adapter: manifest with git blob shas, symlinks recorded not followed, pruned directories."""

from __future__ import annotations

import os
import subprocess

import pytest

from codetracker.adapters.source_folder import FolderSource, git_blob_sha
from codetracker.domain.model import EntryKind
from codetracker.errors import InvalidInput, SourceIsGitRepository, SourceNotFound, SourceUnreadable
from tests.support.unprivileged import run_unprivileged
from codetracker.parsing.extractor import ParserExtractor


def test_git_blob_sha_matches_git(tmp_path):
    content = b"export const x = 1;\n\xff\x00binary"
    (tmp_path / "f").write_bytes(content)
    expected = subprocess.run(
        ["git", "hash-object", str(tmp_path / "f")], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git_blob_sha(content) == expected


def test_entries_sorted_with_symlinks_and_pruned_dirs(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "b.mjs").write_bytes(b"export function b() {}\n")
    (tmp_path / "a.js").write_bytes(b"x")
    (tmp_path / "node_modules" / "dep").mkdir(parents=True)
    (tmp_path / "node_modules" / "dep" / "i.js").write_bytes(b"export function dep() {}")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_bytes(b"ref: refs/heads/main\n")
    os.symlink("src/b.mjs", tmp_path / "link.mjs")
    os.symlink("src", tmp_path / "dirlink")
    source = FolderSource(tmp_path)
    entries = {e.path: e for e in source.entries()}
    assert list(entries) == sorted(entries) == ["a.js", "dirlink", "link.mjs", "src/b.mjs"]
    assert entries["link.mjs"].kind is EntryKind.SYMLINK
    assert entries["link.mjs"].sha == git_blob_sha(b"src/b.mjs")
    assert entries["dirlink"].kind is EntryKind.SYMLINK
    assert entries["src/b.mjs"].size == len(b"export function b() {}\n")
    assert source.read("link.mjs") is None  # never followed
    assert source.read("src/b.mjs") == b"export function b() {}\n"


def test_missing_and_non_folder_paths_are_clear_errors(tmp_path):
    with pytest.raises(SourceNotFound) as missing:
        FolderSource(tmp_path / "nope")
    assert missing.value.field == "path"
    (tmp_path / "file.js").write_text("x")
    with pytest.raises(InvalidInput):
        FolderSource(tmp_path / "file.js")


def test_non_utf8_file_names_are_escaped_and_still_read(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.mjs"), "wb") as fh:
        fh.write(b"export function latte() {}\n")
    source = FolderSource(tmp_path)
    (entry,) = source.entries()
    assert entry.path == "caf\\xe9.mjs"
    entry.path.encode("utf-8")  # storable as text
    assert source.read(entry.path) == b"export function latte() {}\n"
    from codetracker.parsing import get_parser
    from codetracker.usecases.extract import ExtractionPorts, extract_folder
    from codetracker.usecases.scan_requests import ExtractFolderRequest

    functions = extract_folder(
        ExtractFolderRequest(tmp_path),
        open_folder=FolderSource,
        extraction=ExtractionPorts(ParserExtractor(get_parser("tree-sitter"))),
    ).descriptor.functions
    assert [(f.file_path, f.name) for f in functions] == [("caf\\xe9.mjs", "latte")]


def test_large_files_are_hashed_without_being_kept(tmp_path):
    big = b"x" * (3 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(big)
    (tmp_path / "big.mjs").write_bytes(big)
    source = FolderSource(tmp_path, keep_bytes_up_to=1024)
    shas = {e.path: e.sha for e in source.entries()}
    assert shas == {"big.bin": git_blob_sha(big), "big.mjs": git_blob_sha(big)}
    assert source._kept == {}  # over the cap: never held in memory


# --- what cannot be read is never stored as empty ------------------------------------------------------------
# chmod 000 denies nothing to root (CI runs as root): the code under test runs in a child that drops to nobody.


def test_the_child_really_is_unprivileged():
    assert run_unprivileged(os.geteuid) != 0


def _walk(root: str, **kwargs) -> tuple[list[tuple[str, int | None, str | None]], list[tuple[str, str]]]:
    source = FolderSource(root, **kwargs)
    entries = [(e.path, e.size, e.sha) for e in source.entries()]
    return entries, [(p.path, p.reason) for p in source.problems()]


def _folder_error(root: str) -> tuple[str, str, str | None]:
    try:
        FolderSource(root).entries()
    except InvalidInput as err:
        return type(err).__name__, str(err), err.field
    return "no error", "", None


@pytest.mark.parametrize("mode", [0o000, 0o444, 0o111], ids=["none", "list-only", "search-only"])
def test_an_unreadable_root_is_an_error_not_an_empty_folder(open_tree, mode):
    root = open_tree / "pkg"
    root.mkdir()
    (root / "a.mjs").write_bytes(b"export function a() {}\n")
    root.chmod(mode)
    kind, message, field = run_unprivileged(_folder_error, str(root))
    assert (kind, message, field) == ("SourceUnreadable", f"cannot read folder {root}: permission denied", "path")
    assert issubclass(SourceUnreadable, InvalidInput) and not SourceUnreadable.retryable


def test_a_folder_below_an_unsearchable_one_is_unreadable_not_missing(open_tree):
    (open_tree / "outer" / "pkg").mkdir(parents=True)
    (open_tree / "outer").chmod(0o000)
    kind, message, _ = run_unprivileged(_folder_error, str(open_tree / "outer" / "pkg"))
    assert kind == "SourceUnreadable" and message.endswith(": permission denied")


def _scan_unreadable(root: str) -> tuple[str, int]:
    from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
    from codetracker.parsing import get_parser
    from codetracker.usecases.extract import ExtractionPorts
    from codetracker.usecases.persist import persist_scan
    from codetracker.usecases.scan_requests import ScanFolderRequest
    from codetracker.usecases.scan import scan_folder
    from codetracker.wiring import utc_now

    unit_of_work = MemoryUnitOfWorkFactory()
    try:
        # What `codetracker scan` does: scan, then persist the result.
        result = scan_folder(
            ScanFolderRequest(root, "main"),
            open_folder=FolderSource,
            clock=utc_now,
            extraction=ExtractionPorts(ParserExtractor(get_parser("tree-sitter"))),
        )
        persist_scan(result, unit_of_work=unit_of_work)
    except SourceUnreadable as err:
        return str(err), len(unit_of_work.state.snapshots)
    return "stored", len(unit_of_work.state.snapshots)


def test_scanning_an_unreadable_root_stores_nothing(open_tree):
    root = open_tree / "pkg"
    root.mkdir()
    (root / "a.mjs").write_bytes(b"export function a() {}\n")
    root.chmod(0o000)
    assert run_unprivileged(_scan_unreadable, str(root)) == (f"cannot read folder {root}: permission denied", 0)


def test_unreadable_directories_and_files_are_problems_of_the_walk(open_tree):
    root = open_tree / "pkg"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "a.js").write_bytes(b"export function a() {}\n")
    (root / "unsearchable").mkdir()
    (root / "unsearchable" / "b.mjs").write_bytes(b"export function b() {}\n")
    (root / "ok.mjs").write_bytes(b"export function ok() {}\n")
    (root / "closed.mjs").write_bytes(b"export function closed() {}\n")
    (root / "secret.bin").write_bytes(b"\0secret")
    (root / "locked").chmod(0o000)
    (root / "unsearchable").chmod(0o444)  # names listable, entries not reachable
    (root / "closed.mjs").chmod(0o000)
    (root / "secret.bin").chmod(0o000)
    entries, problems = run_unprivileged(_walk, str(root))
    assert entries == [
        ("closed.mjs", len(b"export function closed() {}\n"), None),
        ("ok.mjs", len(b"export function ok() {}\n"), git_blob_sha(b"export function ok() {}\n")),
        ("secret.bin", 7, None),  # listed, its sha unknown
    ]
    assert problems == [
        ("locked/", "directory could not be read: permission denied"),
        ("secret.bin", "file could not be read: permission denied"),
        ("unsearchable/", "directory could not be read: permission denied"),
    ]  # closed.mjs is a module file: the use case reports it when it cannot read it (below)


def _extract_problems(root: str) -> list[tuple[str, str]]:
    from codetracker.parsing import get_parser
    from codetracker.usecases.extract import ExtractionPorts, extract_folder
    from codetracker.usecases.scan_requests import ExtractFolderRequest

    descriptor = extract_folder(
        ExtractFolderRequest(root),
        open_folder=FolderSource,
        extraction=ExtractionPorts(ParserExtractor(get_parser("tree-sitter"))),
    ).descriptor
    return [(p.path, p.reason) for p in descriptor.problems]


def test_an_unreadable_module_file_is_reported_by_the_use_case(open_tree):
    root = open_tree / "pkg"
    root.mkdir()
    (root / "closed.mjs").write_bytes(b"export function closed() {}\n")
    (root / "closed.mjs").chmod(0o000)
    assert ("closed.mjs", "could not be read") in run_unprivileged(_extract_problems, str(root))


def test_an_unreadable_ignore_file_is_an_error(open_tree):
    root = open_tree / "pkg"
    root.mkdir()
    (root / ".codetrackerignore").write_text("dist/\n")
    (root / ".codetrackerignore").chmod(0o000)
    kind, message, _ = run_unprivileged(_folder_error, str(root))
    assert (kind, message) == ("SourceUnreadable", f"cannot read {root}/.codetrackerignore: permission denied")


# --- git directories are repositories, not folders -------------------------------------------------------------


def _git(*args: str, cwd) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_a_bare_repository_or_a_git_directory_is_refused(tmp_path):
    _git("init", "-q", "--bare", "lib0.git", cwd=tmp_path)
    (tmp_path / "checkout").mkdir()
    _git("init", "-q", cwd=tmp_path / "checkout")
    (tmp_path / "checkout" / "a.mjs").write_bytes(b"export function a() {}\n")
    for path in [tmp_path / "lib0.git", tmp_path / "checkout" / ".git", tmp_path / "checkout" / ".git" / "refs"]:
        with pytest.raises(SourceIsGitRepository) as raised:
            FolderSource(path)
        assert raised.value.field == "path" and isinstance(raised.value, InvalidInput)
        assert str(raised.value).startswith(f"{path} is a git repository")
        assert "at a ref" in str(raised.value) and "--" not in str(raised.value)  # no CLI flag in the core
    # A checkout is a folder like any other; its .git/ is not walked.
    assert [e.path for e in FolderSource(tmp_path / "checkout").entries()] == ["a.mjs"]


def test_a_folder_with_only_some_of_a_repositorys_names_is_a_folder(tmp_path):
    (tmp_path / "HEAD").write_text("not git\n")
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.mjs").write_bytes(b"export function a() {}\n")
    assert [e.path for e in FolderSource(tmp_path).entries()] == ["HEAD", "refs/a.mjs"]


# --- big files are listed, not read ----------------------------------------------------------------------------

_FOUR_GB = 4 * 1024**3


@pytest.fixture
def opened(monkeypatch):
    """Every file the walk opens (through its one seam for opening files)."""
    from codetracker.adapters import source_folder

    paths: list[str] = []
    real = source_folder._open_for_reading

    def recording(path):
        paths.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(source_folder, "_open_for_reading", recording)
    return paths


def test_files_over_the_hash_cap_are_listed_with_their_size_and_never_opened(tmp_path, opened):
    for name in ("disk.img", "huge.mjs"):
        with open(tmp_path / name, "wb") as fh:
            os.truncate(fh.fileno(), _FOUR_GB)  # sparse: instant, no disk space
    (tmp_path / "small.bin").write_bytes(b"\0small")
    (tmp_path / "a.mjs").write_bytes(b"export function a() {}\n")
    entries = {e.path: (e.size, e.sha) for e in FolderSource(tmp_path).entries()}
    assert entries == {
        "a.mjs": (23, git_blob_sha(b"export function a() {}\n")),
        "disk.img": (_FOUR_GB, None),
        "huge.mjs": (_FOUR_GB, None),
        "small.bin": (6, git_blob_sha(b"\0small")),
    }
    assert sorted(opened) == ["a.mjs", "small.bin"]


def test_the_hash_cap_is_a_setting_and_module_files_within_their_cap_are_always_read(tmp_path, opened):
    (tmp_path / "ten.bin").write_bytes(b"x" * 10)
    (tmp_path / "eleven.bin").write_bytes(b"x" * 11)
    (tmp_path / "m.mjs").write_bytes(b"export const x = 1;\n")  # 20 bytes: over the hash cap, within its own
    (tmp_path / "big.js").write_bytes(b"export const y = 2;\n" * 10)  # over both caps
    source = FolderSource(tmp_path, keep_bytes_up_to=100, hash_bytes_up_to=10)
    shas = {e.path: e.sha for e in source.entries()}
    assert shas == {
        "big.js": None,
        "eleven.bin": None,
        "m.mjs": git_blob_sha(b"export const x = 1;\n"),
        "ten.bin": git_blob_sha(b"x" * 10),
    }
    assert sorted(opened) == ["m.mjs", "ten.bin"]
    assert source.problems() == ()  # not read on purpose: not a problem
    assert source.read("big.js") == b"export const y = 2;\n" * 10  # the scan can still read it if it wants


def test_an_unreadable_file_over_the_cap_is_not_even_tried(open_tree):
    root = open_tree / "pkg"
    root.mkdir()
    with open(root / "disk.img", "wb") as fh:
        os.truncate(fh.fileno(), _FOUR_GB)
    (root / "disk.img").chmod(0o000)
    (root / "small.bin").write_bytes(b"small")
    (root / "small.bin").chmod(0o000)
    entries, problems = run_unprivileged(_walk, str(root))
    assert entries == [("disk.img", _FOUR_GB, None), ("small.bin", 5, None)]
    assert problems == [("small.bin", "file could not be read: permission denied")]  # disk.img was never opened


# --- progress of the walk --------------------------------------------------------------------------------------


def test_the_walk_reports_growing_counts_of_files_and_bytes(tmp_path):
    for index in range(20):
        (tmp_path / f"f{index:02}.mjs").write_bytes(b"export const x = 1;\n")
    (tmp_path / "blob.bin").write_bytes(b"\1" * (3 * 1024 * 1024 + 5))  # hashed in several chunks
    calls: list[tuple[int, int]] = []
    entries = FolderSource(tmp_path, walk_progress=lambda *c: calls.append(c), progress_interval=0).entries()
    total_bytes = 20 * 20 + 3 * 1024 * 1024 + 5
    assert len(calls) > 20
    assert calls == sorted(calls) and all(a <= b for (_, a), (_, b) in zip(calls, calls[1:]))
    assert calls[-1] == (len(entries), total_bytes) == (21, total_bytes)
    assert any(0 < hashed < total_bytes for _, hashed in calls)  # also while one big file is hashed


def test_the_walk_reports_at_most_once_per_interval_and_always_at_the_end(tmp_path):
    for index in range(50):
        (tmp_path / f"f{index:02}.js").write_bytes(b"x")
    calls: list[tuple[int, int]] = []
    source = FolderSource(tmp_path, walk_progress=lambda *c: calls.append(c), progress_interval=3600)
    source.entries()
    source.entries()  # walked once
    assert calls == [(50, 50)]
