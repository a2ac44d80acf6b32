"""What `codetracker dev` is asked to run: its options, the template it reads, its one-line error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from codetracker.local import queues as local_queues

HOST = "127.0.0.1"
DEFAULT_PORT = 3000


class DevError(Exception):
    """`codetracker dev` cannot start as asked (one line for the terminal)."""


@dataclass(frozen=True)
class DevOptions:
    template: Path
    port: int = DEFAULT_PORT
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    schedule_every: Mapping[str, float | None] = field(default_factory=dict)
    concurrency: int = 1
    max_visibility_timeout_s: int | None = None
    moto_port: int = 0
    startup_timeout_s: float = 60.0
    shutdown_grace_s: float = 10.0
    orphan_grace_s: float = local_queues.DEFAULT_GRACE_S


def template_path(given: str | None) -> Path:
    if given:
        path = Path(given).expanduser().resolve()
    else:
        here = Path.cwd() / "template.yaml"
        path = here if here.is_file() else Path(__file__).resolve().parents[3] / "template.yaml"
    if not path.is_file():
        raise DevError(f"no template at {path} (--template PATH)")
    return path


def local_visibility(seconds: int, options: DevOptions) -> int:
    cap = options.max_visibility_timeout_s
    return min(seconds, cap) if cap is not None else seconds
