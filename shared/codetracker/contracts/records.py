"""A frozen dataclass on the wire: a JSON object of its fields by name, in a stated order, each value as it is
or through its own conversion, and read back from its keys. The key order is part of the wire bytes, so it is
stated once per record type (the class's field order, or its own where the JSON's differs) and both ways use
it: a field is written and read, or neither."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import fields
from typing import Any, TypeVar

Convert = Callable[[Any], Any]
Record = TypeVar("Record")


def field_names(record_type: type) -> tuple[str, ...]:
    """A dataclass's field names in declaration order: the JSON's order where the two agree."""
    return tuple(f.name for f in fields(record_type))


def record_to_dict(
    record: object, names: Sequence[str], converted: Mapping[str, Convert] | None = None
) -> dict[str, Any]:
    """`record`'s attributes `names`, in that order, those in `converted` through their conversion (a nested
    record, a tuple as a list)."""
    convert = converted or {}
    return {name: convert[name](getattr(record, name)) if name in convert else getattr(record, name) for name in names}


def record_from_dict(
    record_type: Callable[..., Record],
    names: Sequence[str],
    data: Mapping[str, Any],
    converted: Mapping[str, Convert] | None = None,
    *,
    optional: Collection[str] = (),
) -> Record:
    """A `record_type` of `data`'s values under `names` (its other keys are not read), those in `converted`
    through their conversion. A name in `optional` may be absent (JSON written before its field was): the
    field's default; any other absent name is a KeyError."""
    convert = converted or {}
    values = {}
    for name in names:
        if name in data or name not in optional:
            value = data[name]
            values[name] = convert[name](value) if name in convert else value
    return record_type(**values)
