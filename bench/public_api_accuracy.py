"""Public API accuracy against Node, per real package (issue 20): recall, precision and fn.length agreement
of `public_functions`. Needs node, npm and the registry. Run: .venv/bin/python bench/public_api_accuracy.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import node_packages  # noqa: E402
from tests.support.public_api_accuracy import measure  # noqa: E402

PACKAGES = ["ramda@0.30.1", "d3-array@3.2.4", "lodash-es@4.17.21", "date-fns@4.1.0", "preact@10.25.4", "svelte@5.16.0"]
PACKAGES += ["chalk@5.4.1", "nanoid@5.0.9", "lit-html@3.2.1", "d3-scale@4.0.2"]
PACKAGES += ["ms@2.1.3", "semver@7.6.3", "yaml@2.6.1", "commander@12.1.0", "react@18.3.1"]  # CommonJS


def main() -> int:
    reason = node_packages.unavailable()
    if reason:
        print(f"public API accuracy: unavailable ({reason})")
        return 0
    for spec in sys.argv[1:] or PACKAGES:
        print(measure(spec).line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
