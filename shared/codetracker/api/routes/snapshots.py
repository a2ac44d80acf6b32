"""Snapshots: a repository's snapshots, and one snapshot with a page of its functions, its files and its scan
problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from codetracker.api import models as m
from codetracker.api.routing import (
    Cursor,
    FunctionLimit,
    app_request,
    app_route,
    json_response,
    repository_listing,
)
from codetracker.contracts.descriptor import function_to_dict, problem_to_dict, public_subpaths_to_list
from codetracker.errors import InvalidInput
from codetracker.usecases import snapshots
from codetracker.usecases.app_requests import DEFAULT_FUNCTION_PAGE, MAX_FUNCTION_PAGE, PageRequest

if TYPE_CHECKING:
    from codetracker.ports.snapshot_store import SnapshotOutline

router = Router()

FileFilter = Annotated[
    str | None,
    Query(max_length=4096, description="only the functions of this file, or of a folder when it ends with `/`"),
]
NameFilter = Annotated[str | None, Query(max_length=255, description="only the functions of this name")]
PublicOnly = Annotated[
    bool,
    Query(
        description="list only the public API (`public_api`: by subpath, each export with its function); "
        "not with `cursor`, `file` or `name`"
    ),
]


repository_listing(
    router,
    "snapshots",
    "A repository's snapshots, by (slug, branch, tag)",
    (200, m.SnapshotList, "a page of snapshots"),
    snapshots.list_registration_snapshots,
    m.SnapshotOut.of,
)


@app_route(
    router.get,
    "/snapshots/<snapshot_id>",
    "One snapshot with a page of its functions (descriptor format), or its public API only "
    "(`public=true`), its files and its scan problems",
    (200, m.SnapshotDetail, "the snapshot and a page of functions"),
    404,
    422,
)
def get_snapshot(
    snapshot_id: str,
    limit: FunctionLimit = DEFAULT_FUNCTION_PAGE,
    cursor: Cursor = None,
    file: FileFilter = None,
    name: NameFilter = None,
    public: PublicOnly = False,
) -> Response[m.SnapshotDetail]:
    caller, services = app_request(router)
    if public:
        if cursor is not None or file is not None or name is not None:
            raise InvalidInput("public=true lists the whole public API: no cursor, file or name", field="public")
        api = snapshots.get_snapshot_public_api(caller, snapshot_id, unit_of_work=services.unit_of_work)
        body = m.SnapshotOut.fields_of(api.summary) | {"functions": [], "next": None} | _outline(api.outline)
        body["public_api"] = public_subpaths_to_list(api.subpaths) if api.subpaths is not None else None
        return json_response(200, body)
    found = snapshots.get_snapshot(
        caller,
        snapshot_id,
        PageRequest(limit, cursor, max_limit=MAX_FUNCTION_PAGE),
        unit_of_work=services.unit_of_work,
        only=snapshots.FunctionFilter(file, name),
    )
    body = m.SnapshotOut.fields_of(found.summary)
    body["functions"] = [function_to_dict(f) for f in found.functions]
    body["next"] = found.next_cursor
    return json_response(200, body | _outline(found.outline))


def _outline(outline: SnapshotOutline) -> dict[str, Any]:
    files = [{"path": path, "functions_count": count} for path, count in outline.function_files]
    return {"files": files, "problems": [problem_to_dict(p) for p in outline.problems]}
