"""Reading stored snapshots: a page of summaries, or one snapshot's descriptor."""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.contracts.cursors import FUNCTIONS, SNAPSHOTS
from codetracker.domain.model import Descriptor, ExportedFunction, SnapshotSummary
from codetracker.domain.public_listing import PublicSubpath, group_by_subpath
from codetracker.domain.registry import App, registration_of_scope
from codetracker.errors import AmbiguousSnapshot, InvalidInput, NotFound, SnapshotNotFound
from codetracker.ports.snapshot_store import (
    FunctionCursor,
    FunctionSelection,
    SnapshotCursor,
    SnapshotOutline,
    SnapshotSelection,
)
from codetracker.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from codetracker.usecases.ownership import owned_registration
from codetracker.usecases.scan_requests import MAX_NAME_LENGTH, SnapshotQuery
from codetracker.usecases.pages import Page, page_of
from codetracker.usecases.app_requests import PageRequest, entity_id


def list_snapshots(query: SnapshotQuery, *, unit_of_work: UnitOfWorkFactory) -> Page[SnapshotSummary]:
    after = SNAPSHOTS.decode(query.cursor) if query.cursor else None
    with unit_of_work(read_only=True) as uow:
        # One more than asked: whether a next page exists without a second query.
        found = uow.snapshots.list_snapshots(_selection(query, limit=query.limit + 1, after=after))
    return page_of(found, query.limit, SNAPSHOTS, lambda s: SnapshotCursor(s.module_slug, s.branch_name, s.release_tag))


def _selection(
    query: SnapshotQuery, *, limit: int | None = None, after: SnapshotCursor | None = None
) -> SnapshotSelection:
    """The stored summaries the query names, `limit` of them after `after` (None: all)."""
    return SnapshotSelection(
        query.module_slug, query.branch_name, query.release_tag, scope=query.scope, limit=limit, after=after
    )


@dataclass(frozen=True, slots=True)
class SnapshotView:
    """What `show` answers: the matching snapshots, and one snapshot's descriptor when the query names it."""

    snapshots: tuple[SnapshotSummary, ...]
    descriptor: Descriptor | None = None


def show_snapshots(query: SnapshotQuery, *, unit_of_work: UnitOfWorkFactory) -> SnapshotView:
    """Every snapshot matching the query (all pages); with a module and a tag that name exactly one snapshot,
    its descriptor too. Without a module: every stored module's snapshots (none is not an error). Nothing
    matching a module → SnapshotNotFound; a tag on several branches → AmbiguousSnapshot."""
    with unit_of_work(read_only=True) as uow:
        snapshots = tuple(uow.snapshots.list_snapshots(_selection(query)))
        if query.module_slug is None:
            return SnapshotView(snapshots)
        if not snapshots:
            wanted = ", ".join(
                f"{name} {value!r}"
                for name, value in (("branch", query.branch_name), ("tag", query.release_tag))
                if value
            )
            raise SnapshotNotFound(
                f"no snapshots stored for {query.module_slug!r}" + (f" with {wanted}" if wanted else "")
            )
        if query.release_tag is None:
            return SnapshotView(snapshots)
        if len(snapshots) > 1:
            branches = ", ".join(sorted({s.branch_name for s in snapshots}))
            raise AmbiguousSnapshot(
                f"tag {query.release_tag!r} of {query.module_slug!r} is stored on several branches ({branches}): "
                "name the branch",
                field="branch",
            )
        (only,) = snapshots
        return SnapshotView(snapshots, uow.snapshots.load_snapshot(only.key))


# --- the service's reads: through a registration's scope ------------------------------------------------------


MAX_FILTER_PATH = 4096


@dataclass(frozen=True, slots=True)
class FunctionFilter:
    """Which functions of a snapshot a page lists: of one file (of a folder, when it ends with `/`), of one
    name. A cursor belongs to the filter it was made with."""

    file_path: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "file_path", _filter_text(self.file_path, "file", MAX_FILTER_PATH))
        object.__setattr__(self, "name", _filter_text(self.name, "name", MAX_NAME_LENGTH))


def _filter_text(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not value or not value.isprintable():
        raise InvalidInput(f"{field} must be a non-empty text without control characters", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class SnapshotFunctions:
    """One snapshot (of a registration the app owns), a page of its functions, the files holding its functions
    (with how many each) and its scan problems."""

    summary: SnapshotSummary
    functions: tuple[ExportedFunction, ...]
    next_cursor: str | None
    outline: SnapshotOutline


def list_registration_snapshots(
    app: App, repository_id: str, page: PageRequest, *, unit_of_work: UnitOfWorkFactory
) -> Page[SnapshotSummary]:
    repository_id = entity_id(repository_id, "repository")
    with unit_of_work(read_only=True) as uow:
        registration = owned_registration(uow, app, repository_id)
    return list_snapshots(
        SnapshotQuery(scope=registration.scope, limit=page.limit, cursor=page.cursor), unit_of_work=unit_of_work
    )


def get_snapshot(
    app: App,
    snapshot_id: str | int,
    page: PageRequest,
    *,
    unit_of_work: UnitOfWorkFactory,
    only: FunctionFilter = FunctionFilter(),
) -> SnapshotFunctions:
    """A snapshot is readable by the app whose live registration owns its scope; any other id is NotFound."""
    after = FUNCTIONS.decode(page.cursor) if page.cursor else None
    with unit_of_work(read_only=True) as uow:
        number, summary = _readable_snapshot(uow, app, snapshot_id)
        found = uow.snapshots.load_functions(
            FunctionSelection(number, limit=page.limit + 1, after=after, file_path=only.file_path, name=only.name)
        )
        outline = uow.snapshots.load_outline(number)
    functions = page_of(found, page.limit, FUNCTIONS, lambda f: FunctionCursor(f.file_path, f.order_in_file))
    return SnapshotFunctions(summary, functions.items, functions.next_cursor, outline)


def _readable_snapshot(uow: UnitOfWork, app: App, snapshot_id: str | int) -> tuple[int, SnapshotSummary]:
    """The snapshot's id and summary when the app's live registration owns its scope; else NotFound."""
    try:
        number = int(snapshot_id)
    except (TypeError, ValueError):
        raise NotFound("no such snapshot") from None
    summary = uow.snapshots.summary_by_id(number)
    owner = registration_of_scope(summary.scope) if summary is not None else None
    if summary is None or owner is None or uow.registrations.get(app.id, owner) is None:
        raise NotFound("no such snapshot")
    return number, summary


@dataclass(frozen=True, slots=True)
class SnapshotPublicApi:
    """One snapshot's public API only, by subpath (None: the snapshot has none: not a package's, or stored
    before public APIs were), its files and its scan problems."""

    summary: SnapshotSummary
    subpaths: tuple[PublicSubpath, ...] | None
    outline: SnapshotOutline


def get_snapshot_public_api(app: App, snapshot_id: str | int, *, unit_of_work: UnitOfWorkFactory) -> SnapshotPublicApi:
    """As get_snapshot (the same tenant isolation), listing the public API instead of a page of functions."""
    with unit_of_work(read_only=True) as uow:
        number, summary = _readable_snapshot(uow, app, snapshot_id)
        found = uow.snapshots.load_public_api(number)
        outline = uow.snapshots.load_outline(number)
    subpaths = group_by_subpath(*found) if found is not None else None
    return SnapshotPublicApi(summary, subpaths, outline)
