"""The in-memory object pool and the streaming pack parser that fills it while the pack arrives.

Pack bytes are parsed on the fly: each object is inflated once into the pool (hex sha -> type, content),
deltas are applied against objects seen earlier, and the pack checksum is verified at the end. No file is
written, nothing is spooled.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

from codetracker.adapters.git.commit_tree import OBJ_BLOB, OBJ_COMMIT, OBJ_TAG
from codetracker.errors import GitServerError

__all__ = ["ObjectPool", "PackReceiver"]


class ObjectPool:
    """hex sha -> (type number, raw content) of every object received in this session."""

    def __init__(self) -> None:
        self.objects: dict[bytes, tuple[int, bytes]] = {}

    def get(self, sha: bytes) -> tuple[int, bytes] | None:
        return self.objects.get(sha)

    def has(self, sha: bytes) -> bool:
        return sha in self.objects

    def clear(self) -> None:
        self.objects.clear()


_TYPE_NAMES = {OBJ_COMMIT: b"commit", 2: b"tree", OBJ_BLOB: b"blob", OBJ_TAG: b"tag"}
_OFS_DELTA = 6
_REF_DELTA = 7
_TRAILER = 20  # SHA-1 of everything before it


class PackReceiver:
    """Parses a pack as it arrives: each object is inflated once, deltas are applied against objects seen
    earlier (in this pack or, for thin packs, in the pool), and whole objects go to the pool. Nothing is
    spooled: peak memory is the inflated objects plus one network chunk, and no temporary file exists.

    Every object's SHA is computed from its content; `finish` checks the object count and the pack
    trailer. A malformed pack raises GitServerError.
    """

    def __init__(self, pool: ObjectPool) -> None:
        self._pool = pool
        self._pending = bytearray()  # received, not yet parsed
        self._parsed = 0  # pack offset of _pending[0]
        self._hasher = hashlib.sha1()
        self._unhashed_tail = b""  # the last bytes seen: the trailer, once the pack is complete
        self._count: int | None = None  # objects announced by the pack header
        self._done = 0
        self._object: tuple[int, int, int, object] | None = None  # offset, type, size, delta base
        self._inflater: Any = None
        self._inflated: list[bytes] = []
        self._by_offset: dict[int, tuple[int, bytes]] = {}
        self._waiting: dict[bytes, list[tuple[int, bytes]]] = {}  # REF_DELTA base (hex) -> (offset, delta)
        self.objects_added = 0

    def feed(self, data: bytes) -> None:
        if not data:
            return
        joined = self._unhashed_tail + data
        self._hasher.update(joined[:-_TRAILER])
        self._unhashed_tail = joined[-_TRAILER:]
        if self._inflater is not None:  # mid-object: _pending is empty, the bytes go straight to zlib
            self._parsed += len(data)
            self._inflate(data)
        else:
            self._pending += data
        self._parse()

    def _parse(self) -> None:
        while True:
            if self._count is None:
                if len(self._pending) < 12:
                    return
                header = bytes(self._pending[:12])
                if header[:4] != b"PACK" or int.from_bytes(header[4:8], "big") not in (2, 3):
                    raise GitServerError("malformed pack: bad header")
                self._count = int.from_bytes(header[8:12], "big")
                self._consume(12)
                continue
            if self._inflater is not None or self._done == self._count:
                return
            if not self._start_object():
                return
            data = bytes(self._pending)
            self._consume(len(data))
            self._inflate(data)

    def _consume(self, length: int) -> None:
        del self._pending[:length]
        self._parsed += length

    def _start_object(self) -> bool:
        """Parse one object header from _pending; False when more bytes are needed."""
        buffer = self._pending
        position = 0

        def varint_header() -> tuple[int, int] | None:
            nonlocal position
            if position >= len(buffer):
                return None
            byte = buffer[position]
            kind, size, shift = (byte >> 4) & 7, byte & 15, 4
            position += 1
            while byte & 0x80:
                if position >= len(buffer):
                    return None
                byte = buffer[position]
                size |= (byte & 0x7F) << shift
                shift += 7
                position += 1
            return kind, size

        header = varint_header()
        if header is None:
            return False
        kind, size = header
        base: object = None
        if kind == _OFS_DELTA:
            if position >= len(buffer):
                return False
            byte = buffer[position]
            distance = byte & 0x7F
            position += 1
            while byte & 0x80:
                if position >= len(buffer):
                    return False
                byte = buffer[position]
                distance = ((distance + 1) << 7) | (byte & 0x7F)
                position += 1
            base = distance
        elif kind == _REF_DELTA:
            if position + 20 > len(buffer):
                return False
            base = bytes(buffer[position : position + 20]).hex().encode("ascii")
            position += 20
        elif kind not in _TYPE_NAMES:
            raise GitServerError(f"malformed pack: object type {kind}")
        self._object = (self._parsed, kind, size, base)
        self._consume(position)
        self._inflater = zlib.decompressobj()
        self._inflated = []
        return True

    def _inflate(self, data: bytes) -> None:
        try:
            out = self._inflater.decompress(data)
        except zlib.error as error:
            raise GitServerError("malformed pack: corrupt object data") from error
        if out:
            self._inflated.append(out)
        if not self._inflater.eof:
            return
        rest = self._inflater.unused_data
        self._inflater = None
        offset, kind, size, base = self._object  # type: ignore[misc]
        raw = b"".join(self._inflated)
        self._inflated = []
        if len(raw) != size:
            raise GitServerError("malformed pack: object size mismatch")
        self._done += 1
        self._pending = bytearray(rest) + self._pending
        self._parsed -= len(rest)  # `rest` was counted as consumed when it was fed to the inflater
        self._object_complete(offset, kind, base, raw)

    def _object_complete(self, offset: int, kind: int, base: object, raw: bytes) -> None:
        if kind == _OFS_DELTA:
            found = self._by_offset.get(offset - base)  # type: ignore[operator]
            if found is None:
                raise GitServerError("malformed pack: delta base missing")
            self._store(offset, found[0], _apply_delta(found[1], raw))
        elif kind == _REF_DELTA:
            found = self._pool.get(base)  # type: ignore[arg-type]
            if found is None:
                self._waiting.setdefault(base, []).append((offset, raw))  # type: ignore[arg-type]
            else:
                self._store(offset, found[0], _apply_delta(found[1], raw))
        else:
            self._store(offset, kind, raw)

    def _store(self, offset: int, kind: int, raw: bytes) -> None:
        digest = hashlib.sha1(b"%s %d\0" % (_TYPE_NAMES[kind], len(raw)))
        digest.update(raw)
        sha = digest.hexdigest().encode("ascii")
        self._pool.objects[sha] = (kind, raw)
        self._by_offset[offset] = (kind, raw)
        self.objects_added += 1
        for delta_offset, delta in self._waiting.pop(sha, ()):
            self._store(delta_offset, kind, _apply_delta(raw, delta))

    def finish(self) -> None:
        """Called when the server has sent everything: the pack must be complete and intact."""
        self._by_offset.clear()
        if self._count is None and not self._unhashed_tail:
            return  # no pack at all (nothing was wanted)
        if self._count is None or self._done != self._count or self._inflater is not None:
            raise GitServerError("malformed pack: truncated")
        if self._waiting:
            raise GitServerError("malformed pack: delta base missing")
        if bytes(self._pending) != self._unhashed_tail or self._hasher.digest() != self._unhashed_tail:
            raise GitServerError("malformed pack: checksum mismatch")


def _apply_delta(base: bytes, delta: bytes) -> bytes:
    from dulwich.errors import ApplyDeltaError
    from dulwich.pack import apply_delta

    try:
        return b"".join(apply_delta(base, delta))
    except ApplyDeltaError as error:
        raise GitServerError("malformed pack: bad delta") from error
