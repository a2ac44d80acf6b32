"""Rules of the house that prose alone would let drift."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "codetracker"
IO_LIBRARIES = {
    "psycopg",
    "psycopg_pool",
    "dulwich",
    "boto3",
    "botocore",
    "httpx",
    "urllib3",
    "pgserver",
    "tree_sitter",
    "tree_sitter_javascript",
    "esprima",
    "requests",
    "socket",
    "subprocess",
}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_no_io_library():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & IO_LIBRARIES)
        for path in (PACKAGE / "domain").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_does_not_import_adapters_or_entry_points():
    for path in (PACKAGE / "domain").rglob("*.py"):
        text = path.read_text()
        for forbidden in ("codetracker.adapters", "codetracker.wiring", "codetracker.cli", "codetracker.usecases"):
            assert forbidden not in text, f"{path.name} imports {forbidden}"


def _internal_imports(path: Path) -> set[str]:
    """The codetracker modules a file imports (absolute imports; the package uses no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("codetracker"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("codetracker"))
    return found


# Who may import whom: the arrow points inwards (entry points → wiring → adapters → use cases → domain).
_FORBIDDEN = {
    "usecases": ("codetracker.adapters", "codetracker.wiring", "codetracker.cli", "codetracker.settings"),
    "adapters": ("codetracker.usecases", "codetracker.wiring", "codetracker.cli"),
    "parsing": ("codetracker.adapters", "codetracker.usecases", "codetracker.wiring", "codetracker.cli"),
}


def test_dependencies_point_inwards():
    offenders = []
    for layer, forbidden in _FORBIDDEN.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for module in _internal_imports(path):
                if module.startswith(forbidden):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    inner = [
        PACKAGE / "errors.py",
        *sorted((PACKAGE / "contracts").rglob("*.py")),
        *sorted((PACKAGE / "ports").rglob("*.py")),
    ]
    for path in inner:
        for module in _internal_imports(path):
            if module.startswith(("codetracker.adapters", "codetracker.usecases", "codetracker.wiring")):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def test_ports_import_only_the_domain_and_other_ports():
    """The ports are the use cases' side of each interface: values of the domain in, values out."""
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / "ports").rglob("*.py"))
        for module in _internal_imports(path)
        if not module.startswith(("codetracker.domain", "codetracker.ports"))
    ]
    assert offenders == []
    assert {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & IO_LIBRARIES)
        for path in (PACKAGE / "ports").rglob("*.py")
        if _imported_roots(path) & IO_LIBRARIES
    } == {}


def test_settings_import_no_adapter_and_nothing_that_starts_a_server():
    """The settings decide where the database is; they start nothing, so they import neither the adapters (which
    import the settings) nor the local runtime (the embedded Postgres is handed to them by the entry points)."""
    imported = _internal_imports(PACKAGE / "settings.py")
    assert sorted(m for m in imported if m.startswith(("codetracker.adapters", "codetracker.local"))) == []
    assert _imported_roots(PACKAGE / "settings.py") & IO_LIBRARIES == set()


def test_only_the_local_embedded_postgres_imports_pgserver():
    """pgserver (start, adopt, stop, the postmaster check, its private lock) is known to one module, which the
    Lambda layer does not ship; no adapter imports it."""
    importers = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if "pgserver" in _imported_roots(path)
    )
    assert importers == ["local/embedded_postgres.py"]


def test_use_cases_import_no_io_library():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & IO_LIBRARIES)
        for path in (PACKAGE / "usecases").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_cli_start_up_imports_no_heavy_module():
    """`codetracker --help` and argument errors must not pay for psycopg, dulwich, esprima, tree-sitter."""
    code = (
        "import sys, codetracker.cli as c\n"
        "c.build_parser()\n"
        "import codetracker.usecases.scan, codetracker.usecases.persist, codetracker.usecases.snapshots\n"
        "import codetracker.wiring, codetracker.settings, codetracker.contracts.descriptor\n"
        "import codetracker.contracts.cli_output, codetracker.contracts.cursors\n"
        "heavy = {'psycopg', 'dulwich', 'esprima', 'tree_sitter', 'boto3', 'httpx', 'pgserver', 'urllib3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_api_edge_reaches_adapters_only_through_wiring():
    offenders = []
    for path in (PACKAGE / "api").rglob("*.py"):
        for module in _internal_imports(path):
            if module.startswith(("codetracker.adapters", "codetracker.cli")):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def test_api_handler_imports_no_io_at_import_and_nothing_of_the_engine_on_its_routes():
    """Importing the api handler connects nothing (neither the database driver nor boto3 nor the cipher is even
    imported; botocore comes with Powertools' Tracer, which patches it); serving its routes never imports
    dulwich, tree-sitter, esprima or httpx (the scanner's and notifier's libraries)."""
    root = PACKAGE.parents[1]
    code = (
        "import sys, json\n"
        "import functions.api.app as handler\n"
        "at_import = sorted(m for m in sys.modules if m.split('.')[0] in {'psycopg', 'boto3', 'cryptography'})\n"
        "from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory\n"
        "from codetracker.adapters.memory_queue import MemoryScanQueue\n"
        "from codetracker.settings import Settings\n"
        "from codetracker.wiring import Services\n"
        "from tests.support.api_events import sample_events\n"
        "from tests.integration.api.conftest import LambdaContext\n"
        "env = {'CODE_TRACKER_ADMIN_TOKEN': 'a', "
        "'CODE_TRACKER_ENCRYPTION_KEY': 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',\n"
        "       'CODE_TRACKER_GITHUB_WEBHOOK_SECRET': 'events-webhook-secret', "
        "'CODE_TRACKER_ALLOW_PRIVATE_URLS': '1'}\n"
        "services = Services(Settings.from_env(env), unit_of_work=MemoryUnitOfWorkFactory(), "
        "scan_queue=MemoryScanQueue())\n"
        "for name, event in sample_events().items():\n"
        "    handler.lambda_handler(event, LambdaContext(), services=services)\n"
        "heavy = {'dulwich', 'tree_sitter', 'tree_sitter_javascript', 'esprima', 'httpx', 'pgserver'}\n"
        "print(json.dumps([at_import, sorted(m for m in sys.modules if m.split('.')[0] in heavy)]))\n"
    )
    env = {"PYTHONPATH": f"{root / 'shared'}:{root}", "PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    at_import, on_routes = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert at_import == [] and on_routes == []


def test_pipeline_handlers_connect_nothing_at_import():
    """Importing a pipeline handler imports no driver, SDK, git or HTTP client (built on first use), and the
    persister's code path never needs the scanner's libraries."""
    root = PACKAGE.parents[1]
    code = (
        "import sys, json\n"
        "found = {}\n"
        "for name in ('scanner', 'persister', 'notifier', 'reconciler', 'retention'):\n"
        "    __import__(f'functions.{name}.app')\n"
        "    found[name] = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "        {'psycopg', 'boto3', 'httpx', 'httpcore', 'dulwich', 'tree_sitter', 'esprima', 'cryptography', "
        "'pgserver'})\n"
        "import codetracker.usecases.scanner, codetracker.usecases.persister, codetracker.usecases.notify\n"
        "found['use cases'] = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'psycopg', 'boto3', 'httpx', 'dulwich'})\n"
        "print(json.dumps(found))\n"
    )
    env = {"PYTHONPATH": f"{root / 'shared'}:{root}", "PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    found = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert found == {name: [] for name in ("scanner", "persister", "notifier", "reconciler", "retention", "use cases")}


def test_use_cases_import_no_adapter_and_no_process_pool():
    """Use cases get their collaborators from the composition root (wiring): the parser and its worker
    processes through the Extractor port, never by importing codetracker.parsing or a process pool."""
    offenders = []
    for path in (PACKAGE / "usecases").rglob("*.py"):
        for module in _internal_imports(path):
            if module.startswith(("codetracker.adapters", "codetracker.parsing")):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if any(n and (n.split(".")[0] == "multiprocessing" or n == "ProcessPoolExecutor") for n in names):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports a process pool")
    assert offenders == []


FUNCTIONS = PACKAGE.parents[1] / "functions"


def test_handlers_are_the_edge_wiring_and_one_use_case():
    """Each functions/*/app.py builds its handler with handler_edge.lambda_handler_for (services fallback,
    Powertools, tracing in one place) and imports of the package only the edge, wiring and at most one more
    module: its use case (codetracker.usecases.*) or, for the api, its routes (codetracker.api.http)."""
    handlers = sorted(FUNCTIONS.glob("*/app.py"))
    assert len(handlers) == 6
    offenders = []
    for path in handlers:
        name = str(path.relative_to(FUNCTIONS))
        modules = _internal_imports(path) - {"codetracker.handler_edge", "codetracker.wiring"}
        if len(modules) > 1 or not all(
            m.startswith(("codetracker.usecases.", "codetracker.api.http")) for m in modules
        ):
            offenders.append(f"{name} imports {sorted(modules)}")
        tree = ast.parse(path.read_text())
        built = [
            node.value.func.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "lambda_handler" for t in node.targets)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
        ]
        if built != ["lambda_handler_for"]:
            offenders.append(f"{name}: lambda_handler is not built by lambda_handler_for")
        if "default_services" in path.read_text():
            offenders.append(f"{name} falls back to default services itself")
    assert offenders == []


def test_the_composition_root_returns_no_any():
    tree = ast.parse((PACKAGE / "wiring.py").read_text())
    untyped = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and (node.returns is None or "Any" in ast.unparse(node.returns))
    ]
    assert untyped == []


MAX_USE_CASE_PARAMETERS = 5


def test_use_cases_take_at_most_five_parameters():
    """A public function of usecases/ takes a request object and its collaborators, not a list of loose values:
    at most MAX_USE_CASE_PARAMETERS parameters (self, keyword-only, *args and **kwargs counted)."""
    offenders = []
    for path in sorted((PACKAGE / "usecases").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                a = node.args
                count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
                if count > MAX_USE_CASE_PARAMETERS:
                    offenders.append(f"{path.name}:{node.lineno} {node.name} takes {count}")
    assert offenders == []
