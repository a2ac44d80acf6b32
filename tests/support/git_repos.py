"""Build git repositories with dulwich alone (no git CLI), for tests and benchmarks.

A commit is described by a complete mapping of path -> content. Content is bytes (or str, encoded as
UTF-8) for a regular file, or one of the markers below for an executable file, a symlink or a submodule.
Timestamps and identities are fixed, so the same description always gives the same commit SHA.

    with tempfile.TemporaryDirectory() as root:
        builder = RepoBuilder.create(Path(root) / "lib.git")
        first = builder.commit({"index.js": b"export function f() {}\\n"})
        builder.tag("v1.0.0", first, annotated=True)
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dulwich.objects import Blob, Commit, Tag, Tree
from dulwich.repo import Repo

AUTHOR = b"Codetracker Tests <tests@codetracker.invalid>"
BASE_TIME = 1_700_000_000  # fixed, so SHAs are reproducible

MODE_FILE = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_SYMLINK = 0o120000
MODE_GITLINK = 0o160000
MODE_TREE = 0o040000


@dataclass(frozen=True, slots=True)
class Executable:
    """A regular file with the executable bit."""

    content: bytes


@dataclass(frozen=True, slots=True)
class Symlink:
    """A symbolic link; git stores the target path as the blob content."""

    target: str


@dataclass(frozen=True, slots=True)
class Submodule:
    """A gitlink: the tree records only the commit SHA of another repository.

    RepoBuilder.commit adds the matching `.gitmodules` entry unless the files already have one.
    """

    commit_sha: str
    url: str = "https://example.invalid/vendor/dependency.git"


FileSpec = bytes | str | Executable | Symlink | Submodule


@dataclass(frozen=True, slots=True)
class ExpectedEntry:
    """What a fetcher should report for one path (mirrors codetracker TreeEntry without importing it)."""

    path: str
    kind: str  # "file" | "symlink" | "submodule"
    size: int
    sha: str
    content: bytes | None  # None for submodules


def _mode_and_content(spec: FileSpec) -> tuple[int, bytes]:
    if isinstance(spec, bytes):
        return MODE_FILE, spec
    if isinstance(spec, str):
        return MODE_FILE, spec.encode("utf-8")
    if isinstance(spec, Executable):
        return MODE_EXECUTABLE, spec.content
    if isinstance(spec, Symlink):
        return MODE_SYMLINK, os.fsencode(spec.target)
    if isinstance(spec, Submodule):
        return MODE_GITLINK, spec.commit_sha.encode("ascii")
    raise TypeError(f"unsupported file spec {type(spec).__name__}")


def _with_gitmodules(files: Mapping[str, FileSpec]) -> dict[str, FileSpec]:
    files = dict(files)
    submodules = {path: spec for path, spec in files.items() if isinstance(spec, Submodule)}
    if submodules and ".gitmodules" not in files:
        lines = []
        for path, spec in sorted(submodules.items()):
            lines.append(f'[submodule "{path}"]\n\tpath = {path}\n\turl = {spec.url}\n')
        files[".gitmodules"] = "".join(lines).encode("utf-8")
    return files


def expected_entries(files: Mapping[str, FileSpec]) -> list[ExpectedEntry]:
    """The entries a correct fetcher reports for a commit made from `files`, sorted by path."""
    result = []
    for path, spec in _with_gitmodules(files).items():
        mode, content = _mode_and_content(spec)
        if mode == MODE_GITLINK:
            result.append(ExpectedEntry(path, "submodule", 0, content.decode("ascii"), None))
        else:
            kind = "symlink" if mode == MODE_SYMLINK else "file"
            sha = Blob.from_string(content).id.decode("ascii")
            result.append(ExpectedEntry(path, kind, len(content), sha, content))
    return sorted(result, key=lambda entry: entry.path)


def blob_sha(content: bytes) -> str:
    return Blob.from_string(content).id.decode("ascii")


@dataclass
class _Dir:
    blobs: dict[bytes, tuple[int, bytes]] = field(default_factory=dict)  # name -> (mode, sha)
    dirs: dict[bytes, _Dir] = field(default_factory=dict)


class RepoBuilder:
    """Writes commits, branches and tags into a (bare by default) repository on disk."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._clock = 0

    @classmethod
    def create(cls, path: Path, *, bare: bool = True, default_branch: str = "main") -> RepoBuilder:
        path.mkdir(parents=True, exist_ok=False)
        if bare:
            repo = Repo.init_bare(str(path), default_branch=default_branch.encode())
        else:
            repo = Repo.init(str(path), default_branch=default_branch.encode())
        return cls(repo)

    @classmethod
    def open(cls, path: Path) -> RepoBuilder:
        return cls(Repo(str(path)))

    @property
    def path(self) -> Path:
        return Path(self.repo.path)

    def close(self) -> None:
        self.repo.close()

    def __enter__(self) -> RepoBuilder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- writing objects ----------------------------------------------------------------------------

    def write_tree(self, files: Mapping[str, FileSpec]) -> str:
        """Store the blobs and trees for `files` (one pack, no loose objects) and return the tree SHA."""
        objects: list = []
        root = _Dir()
        for path, spec in _with_gitmodules(files).items():
            parts = path.encode("utf-8").split(b"/")
            if not path or any(part in (b"", b".", b"..") for part in parts):
                raise ValueError(f"bad path {path!r}")
            mode, content = _mode_and_content(spec)
            if mode == MODE_GITLINK:
                sha = content
            else:
                blob = Blob.from_string(content)
                objects.append(blob)
                sha = blob.id
            node = root
            for part in parts[:-1]:
                node = node.dirs.setdefault(part, _Dir())
            node.blobs[parts[-1]] = (mode, sha)
        tree_sha = self._build_tree(root, objects)
        self._add_objects(objects)
        return tree_sha.decode("ascii")

    def _build_tree(self, root: _Dir, objects: list) -> bytes:
        """Tree objects bottom-up, without recursion: hostile trees are thousands of directories deep."""
        order: list[_Dir] = []
        stack = [root]
        while stack:  # parents before children; reversed, children come first
            node = stack.pop()
            order.append(node)
            stack.extend(node.dirs.values())
        ids: dict[int, bytes] = {}
        for node in reversed(order):
            tree = Tree()
            for name, (mode, sha) in node.blobs.items():
                tree.add(name, mode, sha)
            for name, child in node.dirs.items():
                tree.add(name, MODE_TREE, ids[id(child)])
            objects.append(tree)
            ids[id(node)] = tree.id
        return ids[id(root)]

    def _add_objects(self, objects: list) -> None:
        unique = {obj.id: obj for obj in objects}
        missing = [(obj, None) for sha, obj in unique.items() if sha not in self.repo.object_store]
        if missing:
            self.repo.object_store.add_objects(missing)

    def _next_time(self) -> int:
        self._clock += 60
        return BASE_TIME + self._clock

    def commit(
        self,
        files: Mapping[str, FileSpec],
        *,
        branch: str | None = "main",
        message: str = "commit",
        parents: Iterable[str] | None = None,
    ) -> str:
        """Commit the complete tree `files` and move `branch` (if given) to it. Returns the commit SHA.

        Parents default to the current tip of `branch` (none for a new branch).
        """
        ref = f"refs/heads/{branch}".encode() if branch else None
        if parents is None:
            parent_list = [self.repo.refs[ref]] if ref and ref in self.repo.refs else []
        else:
            parent_list = [parent.encode("ascii") for parent in parents]
        commit = Commit()
        commit.tree = self.write_tree(files).encode("ascii")
        commit.parents = parent_list
        commit.author = commit.committer = AUTHOR
        commit.author_time = commit.commit_time = self._next_time()
        commit.author_timezone = commit.commit_timezone = 0
        commit.encoding = b"UTF-8"
        commit.message = message.encode("utf-8") + b"\n"
        self._add_objects([commit])
        if ref:
            self.repo.refs[ref] = commit.id
        return commit.id.decode("ascii")

    def branch(self, name: str, commit_sha: str) -> None:
        self.repo.refs[f"refs/heads/{name}".encode()] = commit_sha.encode("ascii")

    def tag(self, name: str, commit_sha: str, *, annotated: bool = False, message: str = "") -> str:
        """Create a tag. Returns the SHA the tag ref points at (the tag object when annotated)."""
        target = commit_sha.encode("ascii")
        if annotated:
            tag = Tag()
            tag.name = name.encode("utf-8")
            tag.object = (Commit, target)
            tag.tagger = AUTHOR
            tag.tag_time = self._next_time()
            tag.tag_timezone = 0
            tag.message = (message or f"release {name}").encode("utf-8") + b"\n"
            self._add_objects([tag])
            target = tag.id
        self.repo.refs[f"refs/tags/{name}".encode()] = target
        return target.decode("ascii")

    def set_head(self, branch: str) -> None:
        self.repo.refs.set_symbolic_ref(b"HEAD", f"refs/heads/{branch}".encode())

    def set_config(self, section: str, name: str, value: str) -> None:
        config = self.repo.get_config()
        config.set(section.encode(), name.encode(), value.encode())
        config.write_to_path()


def repack_with_git(path: Path) -> None:
    """Rewrite the repository's objects into one pack with deltas (`git repack -adf`), as real servers
    store them; packs written by dulwich hold whole objects only. Needs the git CLI."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        raise RuntimeError("the git CLI is required to repack")
    env = {"PATH": os.environ.get("PATH", ""), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(
        [git, "-C", str(path), "repack", "-a", "-d", "-f", "-q", "--window=50", "--depth=50"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def files_from_folder(folder: Path, *, skip_dirs: Iterable[str] = (".git",)) -> dict[str, FileSpec]:
    """Read a folder into a commit description: regular files, executables and symlinks (not followed)."""
    skipped = set(skip_dirs)
    files: dict[str, FileSpec] = {}
    for current, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(name for name in dirnames if name not in skipped)
        current_path = Path(current)
        for name in list(dirnames):
            full = current_path / name
            if full.is_symlink():  # os.walk lists a symlink to a directory as a directory
                files[full.relative_to(folder).as_posix()] = Symlink(os.readlink(full))
                dirnames.remove(name)
        for name in sorted(filenames):
            full = current_path / name
            relative = full.relative_to(folder).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                files[relative] = Symlink(os.readlink(full))
            elif stat.S_ISREG(info.st_mode):
                content = full.read_bytes()
                files[relative] = Executable(content) if info.st_mode & 0o111 else content
    return files


def commit_folder(builder: RepoBuilder, folder: Path, *, branch: str = "main", message: str = "import") -> str:
    """Commit the contents of a folder on disk as the complete tree of a new commit on `branch`."""
    return builder.commit(files_from_folder(folder), branch=branch, message=message)


def build_checkout(root: Path, files: Mapping[str, bytes], *, branch: str = "main") -> str:
    """A working tree at `root` as `git clone` leaves it: `files` committed on `branch`, HEAD on it, and the
    same files on disk. Returns the commit SHA."""
    with RepoBuilder.create(root, bare=False, default_branch=branch) as builder:
        sha = builder.commit(files, branch=branch)
        builder.set_head(branch)
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    return sha


# --- a sample repository with every kind of entry the fetcher must handle -----------------------------


NON_UTF8_JS = "export const s = '\u00e9t\u00e9';\n".encode("latin-1")  # Latin-1 bytes, invalid as UTF-8
BINARY_CONTENT = bytes(range(256)) * 4 + b"\x00\xff\x00"
SUBMODULE_SHA = "1234567890abcdef1234567890abcdef12345678"


@dataclass(frozen=True, slots=True)
class SampleRepo:
    """What build_sample_repo made; SHAs are hex strings."""

    path: Path
    name: str  # the directory name, e.g. "sample.git"
    first_files: dict[str, FileSpec]
    main_files: dict[str, FileSpec]
    feature_files: dict[str, FileSpec]
    first_commit: str  # on main, first of two
    main_commit: str  # tip of main
    feature_commit: str  # tip of branch "feature"
    light_tag_commit: str  # "v0.9.0" is a lightweight tag to first_commit
    annotated_tag_object: str  # "v1.0.0" is an annotated tag (this object) of main_commit
    same_name_branch_commit: str  # branch "both" (tag "both" points at first_commit)
    big_blob_path: str  # a large, incompressible file no scan reads (for the filter test)


def sample_files(*, big_blob_bytes: int = 0) -> dict[str, FileSpec]:
    files: dict[str, FileSpec] = {
        "package.json": b'{"name": "sample", "version": "1.0.0", "type": "module"}\n',
        ".codetrackerignore": b"dist/\n*.min.js\n",
        "src/index.js": b"/** Adds. */\nexport function add(a, b = 1) {\n  return a + b;\n}\n",
        "src/util/strings.js": "export const greet = (name) => `h\u00e9llo ${name}`;\n",
        "src/latin1.js": NON_UTF8_JS,
        "assets/logo.bin": BINARY_CONTENT,
        "bin/cli.js": Executable(b"#!/usr/bin/env node\nimport { add } from '../src/index.js';\n"),
        "link-to-index.js": Symlink("src/index.js"),
        "dangling": Symlink("../outside/of/repo"),
        "vendor/dependency": Submodule(SUBMODULE_SHA),
        "dist/bundle.min.js": b"export function a(){}\n",
        "empty.js": b"",
    }
    # near-identical files: git servers send most of them as deltas, which the fetcher must apply
    template = "".join(f"export function f{n}(a, b) {{ return a * {n} + b; }}\n" for n in range(120))
    for variant in range(8):
        files[f"src/generated/v{variant}.js"] = (template + f"export const variant = {variant};\n").encode()
    if big_blob_bytes:
        files["assets/big.dat"] = os.urandom(big_blob_bytes)
    return files


def build_sample_repo(root: Path, name: str = "sample.git", *, big_blob_bytes: int = 0) -> SampleRepo:
    """A bare repository with two branches, lightweight and annotated tags and odd entries.

    main:    first_commit -> main_commit (HEAD -> main)
    feature: main_commit -> feature_commit
    tags:    v0.9.0 (lightweight, first_commit), v1.0.0 (annotated, main_commit), both (lightweight,
             first_commit) beside branch "both" (feature_commit's files, its own commit)
    """
    main_files = sample_files(big_blob_bytes=big_blob_bytes)
    first_files = {path: spec for path, spec in main_files.items() if path != "src/util/strings.js"}
    feature_files = dict(main_files)
    feature_files["src/feature.js"] = b"export async function feature(...args) {}\n"
    del feature_files["dist/bundle.min.js"]
    with RepoBuilder.create(root / name) as builder:
        first = builder.commit(first_files, message="first")
        main = builder.commit(main_files, message="second")
        feature = builder.commit(feature_files, branch="feature", parents=[main], message="feature")
        both = builder.commit({"both.js": b"export function both() {}\n"}, branch="both", parents=[])
        builder.tag("v0.9.0", first)
        annotated = builder.tag("v1.0.0", main, annotated=True)
        builder.tag("both", first)
        builder.set_head("main")
    return SampleRepo(
        path=root / name,
        name=name,
        first_files=first_files,
        main_files=main_files,
        feature_files=feature_files,
        first_commit=first,
        main_commit=main,
        feature_commit=feature,
        light_tag_commit=first,
        annotated_tag_object=annotated,
        same_name_branch_commit=both,
        big_blob_path="assets/big.dat",
    )
