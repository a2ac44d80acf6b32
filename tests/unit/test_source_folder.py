"""The folder adapter: manifest with git blob shas, symlinks recorded not followed, pruned directories."""

from __future__ import annotations

import os
import subprocess

import pytest

from codetracker.adapters.source_folder import FolderSource, git_blob_sha
from codetracker.domain.model import EntryKind
from codetracker.errors import InvalidInput, SourceNotFound


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
    from codetracker.usecases.extract import extract_folder
    from codetracker.usecases.requests import ExtractFolderRequest

    functions = extract_folder(ExtractFolderRequest(tmp_path), open_folder=FolderSource, parser=get_parser("tree-sitter")).descriptor.functions
    assert [(f.file_path, f.name) for f in functions] == [("caf\\xe9.mjs", "latte")]


def test_large_files_are_hashed_without_being_kept(tmp_path):
    big = b"x" * (3 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(big)
    (tmp_path / "big.mjs").write_bytes(big)
    source = FolderSource(tmp_path, keep_bytes_up_to=1024)
    shas = {e.path: e.sha for e in source.entries()}
    assert shas == {"big.bin": git_blob_sha(big), "big.mjs": git_blob_sha(big)}
    assert source._kept == {}  # over the cap: never held in memory
