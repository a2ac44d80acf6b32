"""The streaming pack parser on packs written here byte by byte: both delta kinds, any chunking, damage."""

from __future__ import annotations

import hashlib
import zlib

import pytest

from codetracker.adapters.git.pack_stream import ObjectPool, PackReceiver
from codetracker.errors import GitServerError

BLOB, OFS_DELTA, REF_DELTA = 3, 6, 7


def git_sha(content: bytes) -> bytes:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest().encode()


def object_header(kind: int, size: int) -> bytes:
    out = bytearray()
    byte = (kind << 4) | (size & 15)
    size >>= 4
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


def ofs_distance(distance: int) -> bytes:
    out = [distance & 0x7F]
    distance >>= 7
    while distance:
        distance -= 1
        out.insert(0, 0x80 | (distance & 0x7F))
        distance >>= 7
    return bytes(out)


def write_pack(entries: list[tuple]) -> bytes:
    """entries: ("blob", content) | ("ofs", index of base entry, delta) | ("ref", base content, delta)."""
    body = bytearray()
    offsets = []
    for entry in entries:
        offsets.append(12 + len(body))
        if entry[0] == "blob":
            body += object_header(BLOB, len(entry[1])) + zlib.compress(entry[1])
        elif entry[0] == "ofs":
            body += object_header(OFS_DELTA, len(entry[2]))
            body += ofs_distance(offsets[-1] - offsets[entry[1]]) + zlib.compress(entry[2])
        else:
            body += object_header(REF_DELTA, len(entry[2]))
            body += bytes.fromhex(git_sha(entry[1]).decode()) + zlib.compress(entry[2])
    pack = b"PACK" + (2).to_bytes(4, "big") + len(entries).to_bytes(4, "big") + bytes(body)
    return pack + hashlib.sha1(pack).digest()


def delta(base: bytes, target: bytes) -> bytes:
    from dulwich.pack import create_delta

    return b"".join(create_delta(base, target))


BASE = b"export function f(a) {\n  return a;\n}\n" * 400  # > 16 KiB, several zlib blocks
SECOND = BASE.replace(b"return a;", b"return a + 1;", 3)
THIRD = SECOND + b"export const tail = 1;\n"
EXTERNAL = b"an object that arrived in an earlier pack\n" * 10


def receive(pack: bytes, chunk: int, pool: ObjectPool | None = None) -> ObjectPool:
    pool = pool or ObjectPool()
    receiver = PackReceiver(pool)
    for start in range(0, len(pack), chunk):
        receiver.feed(pack[start : start + chunk])
    receiver.finish()
    return pool


@pytest.mark.parametrize("chunk", [1, 7, 20, 21, 4096, 10**9])
def test_full_objects_and_both_delta_kinds_in_any_chunking(chunk):
    pack = write_pack(
        [
            ("ref", SECOND, delta(SECOND, THIRD)),  # its base comes later in the pack
            ("blob", BASE),
            ("ofs", 1, delta(BASE, SECOND)),
            ("blob", b""),
        ]
    )
    pool = receive(pack, chunk)
    assert {sha: raw for sha, (_kind, raw) in pool.objects.items()} == {
        git_sha(BASE): BASE,
        git_sha(SECOND): SECOND,
        git_sha(THIRD): THIRD,
        git_sha(b""): b"",
    }
    assert all(kind == BLOB for kind, _raw in pool.objects.values())


def test_thin_pack_delta_against_an_object_already_received():
    pool = ObjectPool()
    pool.objects[git_sha(EXTERNAL)] = (BLOB, EXTERNAL)
    target = EXTERNAL + b"more\n"
    receive(write_pack([("ref", EXTERNAL, delta(EXTERNAL, target))]), 13, pool)
    assert pool.get(git_sha(target)) == (BLOB, target)


def test_empty_response_is_no_pack():
    receiver = PackReceiver(ObjectPool())
    receiver.finish()


@pytest.mark.parametrize(
    "damage",
    [
        lambda pack: pack[:-1],  # truncated trailer
        lambda pack: pack[:-30],  # truncated object
        lambda pack: pack[:-1] + bytes([pack[-1] ^ 1]),  # wrong checksum
        lambda pack: b"KCAP" + pack[4:],  # not a pack
        lambda pack: pack[:20] + bytes([pack[20] ^ 0xFF]) + pack[21:],  # corrupt zlib data
    ],
    ids=["short-trailer", "short-object", "checksum", "magic", "zlib"],
)
def test_damaged_packs_are_git_server_errors(damage):
    pack = write_pack([("blob", BASE), ("ofs", 0, delta(BASE, SECOND))])
    with pytest.raises(GitServerError):
        receive(damage(pack), 64)


def test_delta_whose_base_never_arrives():
    with pytest.raises(GitServerError):
        receive(write_pack([("ref", EXTERNAL, delta(EXTERNAL, EXTERNAL + b"x"))]), 64)
