"""A large, deterministic descriptor built from the domain dataclasses, shaped like a real package's:
files holding a few functions each, ~3 parameters and one @returns per function, JSDoc on most."""

from __future__ import annotations

import random

from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    TreeEntry,
)

_WORDS = (
    "value array object index options callback result source target node element key path string number "
    "list map set range start end count size items context state event handler config buffer"
).split()
_TYPES = ("string", "number", "boolean", "Object", "Array<string>", "Function", "*", "Promise<void>", "{a: number}")


def build_descriptor(
    functions: int, files: int, *, params_per_function: int = 3, seed: int = 42, slug: str = "bench-module"
) -> Descriptor:
    rng = random.Random(seed)
    dirs = [f"src/{rng.choice(_WORDS)}{i}" for i in range(max(1, files // 40))]
    paths = sorted({f"{rng.choice(dirs)}/{rng.choice(_WORDS)}-{i}.js" for i in range(files)})
    entries = tuple(
        TreeEntry(path, EntryKind.FILE, rng.randint(200, 40_000), f"{rng.getrandbits(160):040x}") for path in paths
    )
    out: list[ExportedFunction] = []
    per_file: dict[str, int] = {}
    for i in range(functions):
        path = paths[i % len(paths)]
        order = per_file.get(path, 0)
        per_file[path] = order + 1
        name = f"{rng.choice(_WORDS)}{rng.choice(_WORDS).title()}{i}"
        params = []
        doc_lines = [f"Does {rng.choice(_WORDS)} with the {rng.choice(_WORDS)} of {rng.choice(_WORDS)} {i}."]
        for position in range(params_per_function):
            pname = f"{rng.choice(_WORDS)}{position}"
            ptype = rng.choice(_TYPES)
            optional = rng.random() < 0.2
            default = "{}" if optional and rng.random() < 0.5 else None
            description = f"the {rng.choice(_WORDS)} to {rng.choice(_WORDS)}"
            params.append(Parameter(pname, position, ptype, optional, False, default, None, description))
            doc_lines.append(f"@param {{{ptype}}} {pname} - {description}")
        rtype = rng.choice(_TYPES)
        doc_lines.append(f"@returns {{{rtype}}} the {rng.choice(_WORDS)}")
        jsdoc = "/**\n" + "".join(f" * {line}\n" for line in doc_lines) + " */"
        out.append(
            ExportedFunction(
                name=name,
                file_path=path,
                export_type="default" if order == 0 and i % 7 == 0 else "named",
                is_async=rng.random() < 0.1,
                description=doc_lines[0],
                jsdoc_raw=jsdoc,
                order_in_file=order,
                parameters=tuple(params),
                return_values=(ReturnValue(rtype, f"the {rng.choice(_WORDS)}"),),
            )
        )
    out.sort(key=lambda f: (f.file_path, f.order_in_file))
    problems = tuple(
        ScanProblem(paths[i], ProblemKind.PARSE_ERROR, "Unexpected token", line=i % 300 + 1, column=i % 80)
        for i in range(0, len(paths), max(1, len(paths) // 50))
    )
    return Descriptor(module_slug=slug, functions=tuple(out), files=entries, problems=problems)


def row_count(descriptor: Descriptor) -> int:
    """Rows a store writes for it: one module row and one per function, parameter, return, file, problem."""
    return (
        1
        + len(descriptor.functions)
        + sum(len(f.parameters) for f in descriptor.functions)
        + sum(len(f.return_values) for f in descriptor.functions)
        + len(descriptor.files)
        + len(descriptor.problems)
    )


def with_changed_files(descriptor: Descriptor, fraction: float, salt: str) -> Descriptor:
    """The same snapshot with every function of `fraction` of its files described differently (1.0: all)."""
    from dataclasses import replace

    paths = sorted({f.file_path for f in descriptor.functions})
    step = max(1, round(1 / fraction)) if fraction < 1 else 1
    changed = set(paths[::step])
    functions = tuple(
        replace(f, description=f"{f.description} ({salt})") if f.file_path in changed else f
        for f in descriptor.functions
    )
    return replace(descriptor, functions=functions)
