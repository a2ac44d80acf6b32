"""The pipeline's settings: the template's variable names, their defaults, and bad values refused naming the
variable."""

from __future__ import annotations

import pytest

from codetracker.errors import ConfigurationError
from codetracker.settings import PipelineSettings, Settings


def test_defaults():
    p = Settings.from_env({}).pipeline
    assert (p.claim_check_bytes, p.notify_max_attempts, p.notify_backoff_base_s, p.notify_backoff_cap_s) == (
        200 * 1024,
        5,
        1.0,
        900.0,
    )
    assert p.retention_days == 90 and p.public_api_url is None and p.payload_bucket is None
    assert all(q.url is None and q.dlq_url is None for q in p.queues.values())


def test_the_template_variables():
    p = PipelineSettings.from_env(
        {
            "CODE_TRACKER_SCAN_QUEUE_URL": "s",
            "CODE_TRACKER_PERSIST_QUEUE_URL": "p",
            "CODE_TRACKER_NOTIFY_QUEUE_URL": "n",
            "CODE_TRACKER_SCAN_DLQ_URL": "sd",
            "CODE_TRACKER_PERSIST_DLQ_URL": "pd",
            "CODE_TRACKER_NOTIFY_DLQ_URL": "nd",
            "CODE_TRACKER_PAYLOAD_BUCKET": "b",
            "CODE_TRACKER_CLAIM_CHECK_BYTES": "1000",
            "CODE_TRACKER_NOTIFY_MAX_ATTEMPTS": "8",
            "CODE_TRACKER_NOTIFY_BACKOFF_BASE_S": "0.5",
            "CODE_TRACKER_NOTIFY_BACKOFF_CAP_S": "60",
            "CODE_TRACKER_NOTIFY_CONNECT_TIMEOUT_S": "2",
            "CODE_TRACKER_NOTIFY_READ_TIMEOUT_S": "3",
            "CODE_TRACKER_NOTIFY_TOTAL_TIMEOUT_S": "4",
            "CODE_TRACKER_RETENTION_DAYS": "30",
            "CODE_TRACKER_RECONCILE_CONCURRENCY": "3",
            "CODE_TRACKER_PUBLIC_API_URL": "https://api.example.com/",
            "CODE_TRACKER_SCAN_RESERVE_S": "0",
        }
    )
    assert [(q.url, q.dlq_url) for q in p.queues.values()] == [("s", "sd"), ("p", "pd"), ("n", "nd")]
    assert (p.payload_bucket, p.claim_check_bytes, p.notify_max_attempts) == ("b", 1000, 8)
    assert (p.notify_backoff_base_s, p.notify_backoff_cap_s) == (0.5, 60)
    assert (p.notify_connect_timeout_s, p.notify_read_timeout_s, p.notify_total_timeout_s) == (2, 3, 4)
    assert (p.retention_days, p.reconcile_concurrency, p.scan_reserve_s) == (30, 3, 0)
    assert p.public_api_url == "https://api.example.com"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CODE_TRACKER_NOTIFY_MAX_ATTEMPTS", "0"),
        ("CODE_TRACKER_NOTIFY_BACKOFF_BASE_S", "-1"),
        ("CODE_TRACKER_CLAIM_CHECK_BYTES", "lots"),
        ("CODE_TRACKER_RETENTION_DAYS", "1.5"),
    ],
)
def test_bad_values_name_their_variable(name, value):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: value})
    assert caught.value.setting == name
