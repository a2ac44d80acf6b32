"""aws-sam-cli on the template: `sam validate --lint`, the SAM transform's IAM (least privilege), and
`sam build` with the artifacts checked against the runtime and architecture."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import BUILD_DIR, FUNCTIONS, LAYERS, ROOT, TEMPLATE, run_sam, sam_env

# One pytest-xdist worker runs them all: `sam build` writes into the repository's .aws-sam/build, once a session.
pytestmark = pytest.mark.xdist_group("sam-build")

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # a function and all its layers
EM_AARCH64 = 183
ELF_MAGIC = b"\x7fELF"
ABI_TAG = "cpython-313-aarch64-linux-gnu"
# Never shipped: the test and local-runtime tools, whatever the extras come to hold.
ALWAYS_FORBIDDEN = {"pytest", "pytest-timeout", "moto", "pgserver", "pip", "setuptools", "wheel", "ruff",
                    "hypothesis", "schemathesis", "aws-sam-cli", "cfn-lint"}  # fmt: skip


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip()).group(0))


def forbidden_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    extras = {_requirement_name(r) for group in project.get("optional-dependencies", {}).values() for r in group}
    return {_normalise(n) for n in ALWAYS_FORBIDDEN} | (extras - runtime)


# --- validate and transform (no build needed) --------------------------------------------------------


def test_sam_validate_lint_is_clean(sam, tmp_path):
    env = sam_env(sam)
    env.pop("AWS_DEFAULT_REGION")  # --lint needs no region (nor credentials)
    env.pop("AWS_REGION", None)
    result = run_sam(sam, "validate", "--lint", "--template-file", str(TEMPLATE), env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def transformed(sam) -> dict[str, Any]:
    python = sam.parent / "python"
    result = subprocess.run(
        [str(python), str(Path(__file__).with_name("sam_transform.py")), str(TEMPLATE)],
        env=sam_env(sam), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _referenced(value: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt, ${X} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else arg.split(".")[0])
            elif key == "Fn::Sub":
                text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)} - set(names)
                found |= _referenced(names)
            else:
                found |= _referenced(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced(item)
    return found - {"AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::URLSuffix", "AWS::StackName"}


# What each function may do to which resource: the least privilege the issue asks for.
ACCESS = {
    "ApiFunction": {"sqs:send": {"ScanQueue"},
                    "secrets": {"AdminTokenSecret", "GithubWebhookSecret", "EncryptionKeySecret", "Database"}},
    "ScannerFunction": {"sqs:poll": {"ScanQueue"}, "sqs:send": {"PersistQueue", "NotifyQueue"}, "s3": {"PayloadBucket"},
                        "secrets": {"EncryptionKeySecret", "Database"}},
    "PersisterFunction": {"sqs:poll": {"PersistQueue"}, "sqs:send": {"NotifyQueue"}, "s3": {"PayloadBucket"},
                          "secrets": {"Database"}},
    "NotifierFunction": {"sqs:poll": {"NotifyQueue"}, "s3": {"PayloadBucket"},
                         "secrets": {"EncryptionKeySecret", "Database"}},
    # The reconciler fails abandoned jobs (`scan_abandoned`) and sends their scan.failed to the notify queue.
    "ReconcilerFunction": {"sqs:send": {"ScanQueue", "NotifyQueue"}, "secrets": {"EncryptionKeySecret", "Database"}},
    "RetentionFunction": {"secrets": {"Database"}},
}  # fmt: skip


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_reaches_only_its_own_queues_bucket_and_secrets(transformed, function):
    role = transformed["Resources"][f"{function}Role"]
    managed = {arn if isinstance(arn, str) else json.dumps(arn) for arn in role["Properties"]["ManagedPolicyArns"]}
    assert not any("AWSLambdaSQSQueueExecutionRole" in arn for arn in managed), "receive/delete on every queue"
    access: dict[str, set[str]] = {}
    for statement in _statements(role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert statement["Resource"] != "*", (function, actions)
        targets = _referenced(statement["Resource"]) - {"ExistingDatabaseSecretArn"}
        for action in actions:
            kind = ("sqs:poll" if action == "sqs:ReceiveMessage" else "sqs:send" if action.startswith("sqs:Send")
                    else "s3" if action.startswith("s3:") else "secrets" if action.startswith("secretsmanager:")
                    else None)  # fmt: skip
            if kind:
                access.setdefault(kind, set()).update(targets)
    assert access == ACCESS[function]


def test_the_transformed_template_has_one_role_per_function_and_no_sam_sqs_events(transformed):
    roles = {name for name, r in transformed["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == {f"{f}Role" for f in FUNCTIONS} | {"DatabaseProxyRole"}
    mappings = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 3


# --- build and artifacts --------------------------------------------------------------------------------


def _elf_machine(path: Path) -> int | None:
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    assert header[4] == 2, f"{path}: not a 64-bit ELF"
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _compatible_wheel_tag(tag: str) -> bool:
    interpreter, abi, platform = tag.split("-")
    if platform == "any":
        return abi == "none" and interpreter.startswith("py3") or interpreter in {"py2.py3", "cp313"}
    if not (platform.startswith("manylinux") and platform.endswith("_aarch64")):
        return False
    if abi == "cp313":
        return interpreter == "cp313"
    if abi == "abi3":
        return interpreter.startswith("cp3") and int(interpreter[3:]) <= 13
    return False


def test_sam_build_puts_the_handlers_and_both_layers_in_the_build(sam_build):
    built = json.loads(json.dumps(__import__("yaml").safe_load((sam_build / "template.yaml").read_text())))
    for name in FUNCTIONS:
        artifact = sam_build / name
        assert (artifact / "app.py").is_file(), name
        assert built["Resources"][name]["Properties"]["CodeUri"] == name
        assert not any(part in {"tests", ".venv"} for p in artifact.rglob("*") for part in p.parts[-3:]), name
    for layer in LAYERS:
        assert (sam_build / layer / "python").is_dir(), layer
    package = sam_build / "CodetrackerLayer" / "python" / "codetracker"
    assert (package / "__init__.py").is_file()
    assert list((package / "adapters" / "postgres" / "migrations").glob("*.sql")), "migrations not shipped"
    assert not (package / "local").exists(), "the local runtime is not shipped"


def test_every_compiled_file_matches_arm64_and_cpython_313(sam_build):
    elves = 0
    for path in sorted(sam_build.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name = path.name
        tags = re.findall(r"cpython-(\d+)", name)
        assert all(t == "313" for t in tags), f"{path.relative_to(sam_build)}: built for another CPython"
        if name.endswith(".pyc"):
            assert ".cpython-313." in name, f"{path.relative_to(sam_build)}: byte code of another CPython"
        if ".so" in name and "cpython-" in name:
            assert ABI_TAG in name, f"{path.relative_to(sam_build)}: not {ABI_TAG}"
        machine = _elf_machine(path)
        if machine is not None:
            elves += 1
            assert machine == EM_AARCH64, f"{path.relative_to(sam_build)}: ELF machine {machine}, not aarch64"
    assert elves > 0, "no compiled extension at all: psycopg-binary, tree-sitter and dulwich ship some"


def test_layers_carry_byte_code_of_the_runtime_python_when_one_compiled_them(sam_build):
    if not os.environ.get("CODETRACKER_PYC_PYTHON"):
        pytest.skip("no CPython 3.13 here to compile the layers' byte code (Lambda then compiles at import)")
    for layer in LAYERS:
        sources = [p for p in (sam_build / layer / "python").rglob("*.py")]
        missing = [p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.cpython-313.pyc").exists()]
        assert sources and not missing, f"{layer}: {len(missing)} modules without byte code, e.g. {missing[:3]}"


def test_every_wheel_in_the_layer_is_for_the_runtime_and_architecture(sam_build):
    site = sam_build / "DepsLayer" / "python"
    wheels = sorted(site.glob("*.dist-info/WHEEL"))
    assert wheels
    for wheel in wheels:
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
        # A wheel fits when one of its tags does (a py2.py3 wheel lists py2-none-any and py3-none-any).
        assert any(_compatible_wheel_tag(t) for t in tags), f"{wheel.parent.name}: {tags}"
    installed = {_normalise(p.name.split("-")[0]) for p in site.glob("*.dist-info")}
    required = (ROOT / "layers" / "deps" / "requirements.txt").read_text().splitlines()
    for requirement in (r for r in required if r and not r.startswith("#")):
        assert _requirement_name(requirement) in installed, requirement
    # The compiled psycopg, not its pure-Python fallback (the verified pitfall: one platform tag only).
    assert "psycopg-binary" in installed
    assert list(site.glob("dulwich/_objects.*.so")), "dulwich's pure-Python wheel was taken"


def test_no_dev_tool_is_shipped(sam_build):
    forbidden = forbidden_distributions()
    shipped = {_normalise(p.name.split("-")[0]) for p in sam_build.rglob("*.dist-info")}
    assert not shipped & forbidden
    top_level = {p.name for layer in LAYERS for p in (sam_build / layer / "python").iterdir()}
    assert not top_level & {"pytest", "_pytest", "moto", "pgserver", "tests"}


def test_each_function_with_its_layers_fits_lambdas_unzipped_limit(sam_build, tmp_path):
    layers = sum(_dir_size(sam_build / layer) for layer in LAYERS)
    sizes = {}
    for name in FUNCTIONS:
        total = layers + _dir_size(sam_build / name)
        assert total < LAMBDA_UNZIPPED_LIMIT, f"{name}: {total / 2**20:.1f} MiB unzipped with its layers"
        sizes[name] = total
    # Zipped sizes for the record (what sam deploy uploads).
    report = {}
    for layer in LAYERS:
        archive = tmp_path / f"{layer}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted((sam_build / layer).rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(sam_build / layer))
        report[layer] = {"unzipped": _dir_size(sam_build / layer), "zipped": archive.stat().st_size}
    (BUILD_DIR.parent / "sizes.json").write_text(
        json.dumps({"layers": report, "functions_with_layers": sizes}, indent=1)
    )
