"""Faults injected into dulwich's local pack reading, at exact points, for tests of interrupted scans.

`interrupt_in_pack_reads(at=n)` makes the n-th zlib `decompress` call dulwich's pack reader makes raise
KeyboardInterrupt, as a Ctrl-C landing there would: inside `read_zlib_chunks_at`, while a memoryview of
the mapped pack file is alive in the interrupted frame. Nothing about the network is replaced: this is the
local object store only.
"""

from __future__ import annotations

import types
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class InterruptCounter:
    at: int
    calls: int = 0

    @property
    def fired(self) -> bool:
        return self.calls >= self.at


class _InterruptingDecompressor:
    def __init__(self, counter: InterruptCounter, *args: object) -> None:
        self._counter = counter
        self._inner = zlib.decompressobj(*args)

    def decompress(self, data, *args):
        self._counter.calls += 1
        if self._counter.calls == self._counter.at:
            raise KeyboardInterrupt
        return self._inner.decompress(data, *args)

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


@contextmanager
def interrupt_in_pack_reads(at: int) -> Iterator[InterruptCounter]:
    import dulwich.pack

    counter = InterruptCounter(at)
    hooked = types.ModuleType("zlib")
    hooked.__dict__.update({name: getattr(zlib, name) for name in dir(zlib) if not name.startswith("__")})
    hooked.decompressobj = lambda *args: _InterruptingDecompressor(counter, *args)
    original = dulwich.pack.zlib
    dulwich.pack.zlib = hooked
    try:
        yield counter
    finally:
        dulwich.pack.zlib = original
