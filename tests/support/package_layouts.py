"""Small reproductions of real repositories' package layouts (issue 19), shared by the CLI, store and API tests:
svelte (pnpm workspace, `files` with a negation, tests/scripts/benchmarks beside the source, a private
playground), preact (no workspaces: `compat/`, `hooks/` nested inside the root package, each its own package),
lit (npm workspaces `packages/*` and `packages/labs/*`, anchored `files`, a test-fixture package.json inside a
workspace, a private root holding build scripts). Each with the functions every package must hold."""

from __future__ import annotations

import json
from dataclasses import dataclass


def _manifest(name: str, **fields) -> bytes:
    return json.dumps({"name": name, **fields}).encode()


def _functions(*names: str) -> bytes:
    return "".join(f"export function {n}(a, b) {{ return a; }}\n" for n in names).encode()


@dataclass(frozen=True)
class Layout:
    files: dict[str, bytes]
    # package name → (module slug, sorted exported function names of what it publishes)
    expected: dict[str, tuple[str, list[str]]]


SVELTE = Layout(
    files={
        "package.json": _manifest("svelte-monorepo", private=True),
        "pnpm-workspace.yaml": b"packages:\n  - 'packages/*'\n  - 'playgrounds/*'\n",
        "packages/svelte/package.json": _manifest(
            "svelte", version="5.1.0", files=["src", "!src/**/*.test.*"], exports={".": "./src/index-client.js"}
        ),
        "packages/svelte/src/index-client.js": _functions("mount", "hydrate"),
        "packages/svelte/src/internal/client/render.test.js": _functions("renderTest"),
        "packages/svelte/tests/runtime/helpers.js": _functions("fromTests"),
        "packages/svelte/scripts/process-messages.js": _functions("fromScripts"),
        "packages/svelte/benchmarking/run.js": _functions("fromBenchmarks"),
        "playgrounds/sandbox/package.json": _manifest("playground-sandbox", private=True),
        "playgrounds/sandbox/run.js": _functions("sandbox"),
        "benchmarking/compare.js": _functions("compare"),
    },
    expected={
        "svelte": ("svelte", ["hydrate", "mount"]),
        "playground-sandbox": ("playground-sandbox", ["sandbox"]),
    },
)

PREACT = Layout(
    files={
        "package.json": _manifest(
            "preact",
            version="10.24.3",
            main="src/index.js",
            files=["src", "hooks/src", "hooks/package.json", "compat/src", "compat/package.json"],
        ),
        "src/index.js": _functions("render", "h"),
        "test/browser/render.test.js": _functions("renderTest"),
        "hooks/package.json": _manifest("preact-hooks", version="0.1.0", private=True),
        "hooks/src/index.js": _functions("useState", "useEffect"),
        "hooks/test/browser/useState.test.js": _functions("hooksTest"),
        "compat/package.json": _manifest("preact-compat", version="4.0.0"),
        "compat/src/index.js": _functions("forwardRef"),
        "compat/test/compat.test.js": _functions("compatTest"),
    },
    expected={
        "preact": ("preact", ["h", "render"]),
        "preact-hooks": ("preact-hooks", ["useEffect", "useState"]),
        "preact-compat": ("preact-compat", ["forwardRef"]),
    },
)

LIT = Layout(
    files={
        "package.json": _manifest("lit-monorepo", private=True, workspaces=["packages/*", "packages/labs/*"]),
        "rollup-common.js": _functions("litProdConfig"),
        "packages/lit/package.json": _manifest("lit", version="3.2.0", files=["/index.js", "/decorators/"]),
        "packages/lit/index.js": _functions("litElement"),
        "packages/lit/decorators/custom-element.js": _functions("customElement"),
        "packages/lit/rollup.config.js": _functions("config"),
        "packages/reactive-element/package.json": _manifest(
            "@lit/reactive-element", version="2.0.0", files=["/reactive-element.js", "/decorators/"]
        ),
        "packages/reactive-element/reactive-element.js": _functions("notEqual"),
        "packages/reactive-element/decorators/property.js": _functions("property"),
        "packages/reactive-element/src/test/reactive-element_test.js": _functions("fromTests"),
        "packages/lit-html/package.json": _manifest(
            "lit-html", version="3.2.0", files=["/lit-html.js", "/directives/"]
        ),
        "packages/lit-html/lit-html.js": _functions("render"),
        "packages/lit-html/directives/repeat.js": _functions("repeat"),
        "packages/lit-html/test/fixtures/pkg/package.json": _manifest("fixture-pkg"),
        "packages/lit-html/test/fixtures/pkg/index.js": _functions("fixture"),
        "packages/labs/ssr/package.json": _manifest("@lit-labs/ssr", version="3.0.0", files=["/lib/"]),
        "packages/labs/ssr/lib/render-value.js": _functions("renderValue"),
        "packages/labs/ssr/rollup.config.js": _functions("ssrConfig"),
    },
    expected={
        "lit": ("lit", ["customElement", "litElement"]),
        "@lit/reactive-element": ("lit-reactive-element", ["notEqual", "property"]),
        "lit-html": ("lit-html", ["render", "repeat"]),
        "@lit-labs/ssr": ("lit-labs-ssr", ["renderValue"]),
    },
)

LAYOUTS = {"svelte": SVELTE, "preact": PREACT, "lit": LIT}
