"""One descriptor per package out of a descriptor extracted package by package (the snapshots to store).

A package's descriptor holds the functions of the files it publishes, its published files as its manifest,
and the problems of its own files; problems of no package's file (`.codetrackerignore` lines, a
package.json that is not one) go to every package, so none is lost. Its slug is the package's; its public
API (entry points, public functions, unknown exports) is the package's.
"""

from __future__ import annotations

from dataclasses import replace

from codetracker.domain.model import Descriptor, PackageInfo


def package_descriptors(descriptor: Descriptor) -> list[tuple[PackageInfo, Descriptor]]:
    files_of = {package.name: set(package.files) for package in descriptor.packages}
    everyone = set().union(*files_of.values()) if files_of else set()
    folders = sorted((p.path for p in descriptor.packages), key=len, reverse=True)
    # The folder of each problem of no package's file, found once (not once per package).
    unpublished = [(p, _folder_of(p.path, folders)) for p in descriptor.problems if p.path not in everyone]
    shared = [p for p, folder in unpublished if folder is None]
    out = []
    for package in descriptor.packages:
        published = files_of[package.name]
        own = [p for p in descriptor.problems if p.path in published]
        own += [p for p, folder in unpublished if folder == package.path]
        out.append(
            (
                package,
                replace(
                    descriptor,
                    module_slug=package.module_slug,
                    functions=tuple(f for f in descriptor.functions if f.file_path in published),
                    files=tuple(e for e in descriptor.files if e.path in published),
                    problems=tuple(sorted(own + shared, key=lambda p: (p.path, p.kind))),
                    packages=(),
                    public_api=package.api,
                ),
            )
        )
    return out


def _folder_of(path: str, folders_longest_first: list[str]) -> str | None:
    for folder in folders_longest_first:
        if not folder or path.startswith(folder + "/"):
            return folder
    return None
