"""A `codetracker dev` running on this machine with the same settings, as the other commands see it."""

from __future__ import annotations


def use_running_dev(env) -> None:
    """Queue settings absent and a `codetracker dev` running with these settings: act on its queues (its SQS
    endpoint and queue URLs from the record it keeps), as on AWS with the stack's outputs."""
    if any(env.get(f"CODE_TRACKER_{q}_DLQ_URL") for q in ("SCAN", "PERSIST", "NOTIFY")):
        return
    running = running_dev(env)
    if running is None:
        return
    from codetracker.local.record import runtime_environment

    for name, value in runtime_environment(running).items():
        if name.startswith("AWS_") or not env.get(name):
            env[name] = value


def running_dev(env):
    """The record of a `codetracker dev` running with these settings, or None."""
    try:
        from codetracker.local.record import read_runtime
    except ImportError:  # the Lambda layer has no codetracker.local
        return None
    return read_runtime(env)
