"""Full collections are deferred while a scan extracts and while a snapshot is stored; young collections go on,
and the thresholds come back however the blocks nest, overlap across threads or end."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.garbage_collection import full_collections_deferred
from codetracker.parsing import get_parser
from codetracker.parsing.extractor import ParserExtractor
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree


def _full_deferred() -> bool:
    return gc.get_threshold()[2] >= 1_000_000


def test_the_thresholds_come_back_after_nested_blocks_and_errors() -> None:
    before = gc.get_threshold()
    with full_collections_deferred():
        assert _full_deferred() and gc.get_threshold()[:2] == before[:2]
        with pytest.raises(RuntimeError):
            with full_collections_deferred():
                raise RuntimeError("inner")
        assert _full_deferred()  # the outer block still runs
    assert gc.get_threshold() == before


def test_blocks_overlapping_in_threads_restore_once_the_last_ends() -> None:
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with full_collections_deferred():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with full_collections_deferred():
            second_in.set()
            first_out.wait(5)
            seen.append(_full_deferred())  # the first block ended; this one still defers

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [True]
    assert gc.get_threshold() == before


def test_young_cycles_are_still_collected_while_deferred() -> None:
    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    gc.collect()
    with full_collections_deferred():
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        del a, b
        kept = [[i] for i in range(20_000)]  # allocations enough for many young collections
        assert alive() is None
        del kept


def test_extracting_a_tree_defers_full_collections() -> None:
    seen: list[bool] = []

    class Recording(ParserExtractor):
        def extract(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(_full_deferred())
            return super().extract(*args, **kwargs)

    before = gc.get_threshold()
    extract_tree(
        ExtractTreeRequest(MemoryTree({"index.js": b"export function f(a) {}\n"}), "demo"),
        ExtractionPorts(Recording(get_parser("esprima"))),
    )
    assert seen and all(seen)
    assert gc.get_threshold() == before
