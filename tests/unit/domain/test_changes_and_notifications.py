"""The pure parts of the pipeline: what changed between two snapshots, Standard Webhooks signing (checked with
the reference `standardwebhooks` package), what an HTTP answer means, and the backoff."""

from __future__ import annotations

import base64

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from codetracker.domain.changes import diff_functions
from codetracker.domain.model import ExportedFunction, Parameter
from codetracker.domain.notifications import (
    InvalidSigningSecret,
    Verdict,
    backoff_delay,
    classify_status,
    notification_id,
    parse_retry_after,
    sign,
    webhook_headers,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def f(name: str, path: str = "a.js", *, order: int = 0, params: tuple = (), doc: str | None = None) -> ExportedFunction:
    return ExportedFunction(name, path, "named", False, doc, f"/** {doc} */" if doc else None, order, params)


def test_diff_added_removed_changed():
    before = [
        f("keep"),
        f("gone"),
        f("moved", "a.js"),
        f("sig", params=(Parameter("x", 0, None, False, False, None, None, None),)),
        f("doc", doc="old"),
    ]
    after = [
        f("keep", order=5),
        f("new"),
        f("moved", "b.js"),
        f(
            "sig",
            params=(
                Parameter("x", 0, None, False, False, None, None, None),
                Parameter("y", 1, None, False, False, None, None, None),
            ),
        ),
        f("doc", doc="new"),
    ]
    changes = diff_functions(before, after, previous_commit="c" * 40)
    assert changes.added == (("a.js", "new"), ("b.js", "moved"))
    assert changes.removed == (("a.js", "gone"), ("a.js", "moved"))
    assert changes.changed == (("a.js", "doc"), ("a.js", "sig"))  # order in file does not count
    summary = changes.summary()
    assert summary["added_count"] == 2 and summary["previous_commit"] == "c" * 40 and not summary["first_snapshot"]
    assert summary["changed"] == [{"file_path": "a.js", "name": "doc"}, {"file_path": "a.js", "name": "sig"}]


def test_a_change_of_any_overload_signature_changes_the_function():
    def overloads(second_type: str) -> list[ExportedFunction]:
        first = ExportedFunction(
            "parse",
            "a.ts",
            "named",
            False,
            None,
            None,
            0,
            (Parameter("s", 0, "string", False, False, None, None, None),),
            overload=1,
        )
        second = ExportedFunction(
            "parse",
            "a.ts",
            "named",
            False,
            None,
            None,
            1,
            (Parameter("b", 0, second_type, False, False, None, None, None),),
            overload=2,
        )
        return [first, second]

    assert diff_functions(overloads("Uint8Array"), overloads("Uint8Array")).changed == ()
    assert diff_functions(overloads("Uint8Array"), overloads("ArrayBuffer")).changed == (("a.ts", "parse"),)
    assert diff_functions(overloads("Uint8Array"), overloads("Uint8Array")[:1]).changed == (("a.ts", "parse"),)


def test_diff_of_a_first_snapshot_and_the_name_limit():
    changes = diff_functions(None, [f(f"f{i:03}") for i in range(150)])
    summary = changes.summary(limit=100)
    assert summary["first_snapshot"] and summary["added_count"] == 150 and len(summary["added"]) == 100
    assert summary["truncated"] is True and not diff_functions([], []).any


def test_signature_verifies_with_the_reference_package():
    body = b'{"type":"snapshot.stored","data":{"x":"\xc3\xa9"}}'
    now = int(time.time())
    headers = webhook_headers(SECRET, "msg_abc", now, body)
    assert Webhook(SECRET).verify(body, headers) == {"type": "snapshot.stored", "data": {"x": "é"}}
    assert headers["webhook-signature"] == Webhook(SECRET).sign(
        "msg_abc", datetime.fromtimestamp(now, UTC), body.decode()
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, {**headers, "webhook-id": "msg_other"})
    with pytest.raises(InvalidSigningSecret):
        sign("whsec_not base64!", "msg_x", now, body)


def test_two_secrets_give_two_signatures_each_verifying_alone():
    old, new = SECRET, "whsec_" + base64.b64encode(b"n" * 24).decode()
    body, now = b'{"type":"snapshot.stored"}', int(time.time())
    headers = webhook_headers((new, old), "msg_rot", now, body)
    assert headers["webhook-signature"] == f"{sign(new, 'msg_rot', now, body)} {sign(old, 'msg_rot', now, body)}"
    for secret in (new, old):
        assert Webhook(secret).verify(body, headers) == {"type": "snapshot.stored"}
    assert webhook_headers([old], "msg_rot", now, body) == webhook_headers(old, "msg_rot", now, body)
    with pytest.raises(InvalidSigningSecret):
        webhook_headers((), "msg_rot", now, body)


def test_notification_ids_are_stable_per_job():
    assert notification_id("5d6e7f80-91a2-4b3c-8d4e-5f6071829304") == "msg_5d6e7f8091a24b3c8d4e5f6071829304"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (301, Verdict.PERMANENT),
        (302, Verdict.PERMANENT),
        (400, Verdict.PERMANENT),
        (401, Verdict.PERMANENT),
        (404, Verdict.PERMANENT),
        (410, Verdict.PERMANENT),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
    ],
)
def test_what_an_answer_means(status, verdict):
    assert classify_status(status) is verdict


def test_backoff_doubles_is_capped_and_honours_retry_after():
    assert [backoff_delay(n, base_s=1, cap_s=900) for n in range(1, 12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert backoff_delay(3, base_s=0.5, cap_s=900) == 2
    assert backoff_delay(1, base_s=1, cap_s=900, retry_after_s=120) == 120
    assert backoff_delay(1, base_s=1, cap_s=60, retry_after_s=3600) == 60
    assert backoff_delay(60, base_s=1, cap_s=10**9) == 43_200  # SQS's longest visibility
    assert backoff_delay(1, base_s=0, cap_s=900) == 0


def test_retry_after_seconds_or_http_date():
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30
    assert parse_retry_after("Sun, 01 Nov 2026 12:01:00 GMT", now=now) == 60
    assert parse_retry_after("Sun, 01 Nov 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon", now=now) is None and parse_retry_after(None, now=now) is None
