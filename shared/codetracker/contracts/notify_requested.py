"""`notify.requested` (persister, scanner → notifier): a webhook body to deliver."""

from __future__ import annotations

import re

from codetracker.contracts.message_fields import load_message, message_to_json, moment_field, text_field, uuid_field
from codetracker.contracts.webhooks import NOTIFICATION_TYPES
from codetracker.domain.queue_messages import NotifyRequested
from codetracker.errors import InvalidMessage

NOTIFY_REQUESTED_VERSION = 1
NOTIFY_REQUESTED_TYPE = "notify.requested"
_NOTIFICATION_ID = re.compile(r"msg_[0-9A-Za-z_-]{1,200}")


def notify_requested_to_json(message: NotifyRequested) -> str:
    """The notify queue's message body. Version 1:

    {"v": 1, "type": "notify.requested", "job_id": uuid, "repository_id": uuid,
     "notification_id": "msg_<job id hex>", "event": the webhook body (snapshot_stored_event / scan_failed_event)}

    The notification id (the webhook-id) travels in the body: a redriven copy has a new SQS message id and
    receive count, and keeps it."""
    return message_to_json(
        NOTIFY_REQUESTED_TYPE,
        NOTIFY_REQUESTED_VERSION,
        message,
        notification_id=message.notification_id,
        event=message.event,
    )


def notify_requested_from_json(text: str | bytes) -> NotifyRequested:
    body = load_message(text, NOTIFY_REQUESTED_TYPE, NOTIFY_REQUESTED_VERSION)
    notification = text_field(body, "notification_id") or ""
    if not _NOTIFICATION_ID.fullmatch(notification):
        raise InvalidMessage("notification_id must be msg_ followed by letters, digits, _ or -")
    event = body.get("event")
    if (
        not isinstance(event, dict)
        or event.get("type") not in NOTIFICATION_TYPES
        or not isinstance(event.get("data"), dict)
    ):
        raise InvalidMessage(f"event must be a webhook body of type {' or '.join(NOTIFICATION_TYPES)}")
    moment_field(event, "timestamp")
    return NotifyRequested(
        notification_id=notification,
        job_id=uuid_field(body, "job_id"),
        repository_id=uuid_field(body, "repository_id"),
        event=event,
    )
