"""Every error has a stable code and a retry decision; one table maps them to HTTP statuses."""

from __future__ import annotations

import inspect

import pytest

from codetracker import errors


def _error_classes():
    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.CodetrackerError)]


def test_codes_are_stable_identifiers_and_unique_per_leaf():
    codes = {}
    for kind in _error_classes():
        assert kind.code.replace("_", "").isalpha() and kind.code == kind.code.lower(), kind
        codes.setdefault(kind.code, []).append(kind.__name__)
    assert {code: names for code, names in codes.items() if len(names) > 1} == {}


def test_a_class_that_names_a_code_already_taken_is_refused_where_it_is_declared():
    with pytest.raises(TypeError, match="'not_found'.*codetracker.errors.NotFound"):

        class AnotherNotFound(errors.PermanentError, code="not_found"):
            pass

    with pytest.raises(TypeError, match="'internal_error'"):

        class Internal(errors.RetryableError):
            code = "internal_error"  # in the body, as some adapters name theirs


def test_a_class_that_names_no_code_shares_its_parents():
    class Narrower(errors.StoreConfigurationError):
        pass

    assert Narrower("x").code == "store_configuration_error"
    assert errors.error_code(Narrower("x")) == "store_configuration_error"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInput("x", field="url"), 422),
        (errors.SourceNotFound("x"), 422),
        (errors.SnapshotNotFound("x"), 404),
        (errors.NotFound("x"), 404),
        (errors.AmbiguousSnapshot("x"), 409),
        (errors.ConfigurationError("x", setting="S"), 500),
        (errors.StoreConfigurationError("x"), 500),
        (errors.StoreUnavailable("x"), 503),
        (errors.HostUnreachable("x"), 503),
        (errors.RefNotFound("x"), 422),
        (ValueError("a bug"), 500),
    ],
)
def test_http_status_comes_from_the_type(error, status):
    assert errors.http_status(error) == status


def test_operator_mistakes_are_not_the_callers():
    assert not isinstance(errors.ConfigurationError("x"), errors.InvalidInput)
    assert not isinstance(errors.StoreConfigurationError("x"), errors.InvalidInput)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (errors.RefNotFound("x"), False),
        (errors.AuthenticationFailed("x"), False),
        (errors.FetchLimitExceeded("x"), False),
        (errors.FetchTimeout("x"), True),
        (errors.GitServerError("x"), True),
        (errors.StoreUnavailable("x"), True),
        (KeyError("unforeseen"), True),  # unknown exceptions are retried: they end in a DLQ, never dropped
    ],
)
def test_queue_consumers_retry_all_but_permanent_errors(error, retry):
    assert errors.is_retryable(error) is retry


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.ScanTimeBudgetExceeded("x"), "time_budget_exceeded"),
        (errors.RefNotFound("x"), "ref_not_found"),
        (RecursionError("maximum recursion depth exceeded"), "internal_error"),  # issue 17: was "RecursionError"
        (KeyError("x"), "internal_error"),
        (type("Foreign", (Exception,), {"code": "ECONNRESET"})(), "internal_error"),  # a library's own `code`
    ],
)
def test_a_recorded_code_is_always_one_of_ours(error, code):
    assert errors.error_code(error) == code


def test_the_readme_lists_every_code_a_job_can_record():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"- \*\*Error codes\*\*(.*?)\n- ", readme, re.S)
    assert listed is not None
    # Families (never raised as such) and what only the CLI or the API answers, never a job.
    not_on_jobs = {"permanent_error", "retryable_error", "delivery_failed", "delivery_retryable", "malformed_body"}
    not_on_jobs |= {"payload_too_large", "unauthorized", "conflict", "not_found", "snapshot_not_found"}
    not_on_jobs |= {"ambiguous_snapshot", "stale_snapshot", "source_not_found", "source_unreadable"}
    not_on_jobs |= {"source_is_git_repository"}
    codes = {kind.code for kind in _error_classes()} - not_on_jobs
    assert {code for code in codes if f"`{code}`" not in listed.group(1)} == set()
