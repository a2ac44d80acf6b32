"""The HTTP API's bodies: pydantic models at the api edge (they give validation and the OpenAPI document), one
module per resource, and their conversion from domain values. The wire formats of the rest of the system stay
in contracts/; a snapshot's functions use the descriptor format from there (`contracts/descriptor.function_to_dict`).

Request models forbid unknown fields (422 naming the field). Every id is a string (uuid) except a snapshot's
and an activity's, which are integers. Routers use them as `models.X` (this package names them all).
"""

from codetracker.api.models.common import RequestBody, ErrorDetail, ErrorBody, Listing
from codetracker.api.models.patterns import (
    text_pattern,
    word_pattern,
    REF_PATTERN,
    BRANCH_PATTERN,
    URL_PATTERN,
    TOKEN_PATTERN,
    SLUG_PATTERN,
    NAME_PATTERN,
    documented,
)
from codetracker.api.models.apps import CreateAppBody, AppCreated
from codetracker.api.models.repositories import (
    RegisterRepositoryBody,
    UpdateRepositoryBody,
    RepositoryOut,
    WebhookOut,
    RepositoryRegistered,
    RepositoryList,
    RepositoryDeleted,
)
from codetracker.api.models.jobs import (
    ScanBody,
    ScanAccepted,
    Stage,
    Stages,
    SnapshotKeyOut,
    JobError,
    StoredResultOut,
    StaleResultOut,
    JobOut,
    JobList,
)
from codetracker.api.models.snapshots import (
    SnapshotOut,
    SnapshotList,
    FunctionFileOut,
    ProblemOut,
    PublicExportOut,
    UnknownExportOut,
    PublicSubpathOut,
    SnapshotDetail,
)
from codetracker.api.models.activity import ActivityOut, ActivityList
from codetracker.api.models.rotation import RotateBody, TokenRotated, SigningSecretRotated, WebhookSecretRotated
from codetracker.api.models.service import Health, WebhookAnswer

__all__ = [
    "RequestBody",
    "ErrorDetail",
    "ErrorBody",
    "Listing",
    "text_pattern",
    "word_pattern",
    "REF_PATTERN",
    "BRANCH_PATTERN",
    "URL_PATTERN",
    "TOKEN_PATTERN",
    "SLUG_PATTERN",
    "NAME_PATTERN",
    "documented",
    "CreateAppBody",
    "AppCreated",
    "RegisterRepositoryBody",
    "UpdateRepositoryBody",
    "RepositoryOut",
    "WebhookOut",
    "RepositoryRegistered",
    "RepositoryList",
    "RepositoryDeleted",
    "ScanBody",
    "ScanAccepted",
    "Stage",
    "Stages",
    "SnapshotKeyOut",
    "JobError",
    "StoredResultOut",
    "StaleResultOut",
    "JobOut",
    "JobList",
    "SnapshotOut",
    "SnapshotList",
    "FunctionFileOut",
    "ProblemOut",
    "PublicExportOut",
    "UnknownExportOut",
    "PublicSubpathOut",
    "SnapshotDetail",
    "ActivityOut",
    "ActivityList",
    "RotateBody",
    "TokenRotated",
    "SigningSecretRotated",
    "WebhookSecretRotated",
    "Health",
    "WebhookAnswer",
]
