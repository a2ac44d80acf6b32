"""A domain dataclass stored as a table's row, its columns named as its fields: the column list, a row read back
into the dataclass and a value's columns to write all come from the one list of fields, converted only where
the database's type differs from the field's (a uuid read as str, bytea as bytes, a text[] as a tuple…)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import psycopg

Item = TypeVar("Item")


@dataclass(frozen=True)
class RowMapping(Generic[Item]):
    build: Callable[..., Item]
    columns: tuple[str, ...]  # the fields stored, in the order they are selected
    read: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)  # column value → field value
    write: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)  # field value → column value
    _readers: tuple[Callable[[Any], Any] | None, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def of_fields(
        cls,
        dataclass_type: type[Item],
        *,
        read: Mapping[str, Callable[[Any], Any]] | None = None,
        write: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> RowMapping[Item]:
        """Every field of the dataclass a column of the same name, in the order of the fields."""
        columns = tuple(f.name for f in fields(dataclass_type))  # type: ignore[arg-type]
        return cls(dataclass_type, columns, read or {}, write or {})

    def __post_init__(self) -> None:
        # Each column's reader by position (None: stored as it is), so reading a row looks nothing up by name.
        object.__setattr__(self, "_readers", tuple(self.read.get(column) for column in self.columns))

    def select_list(self, prefix: str = "") -> str:
        """The columns for a SELECT or RETURNING, each after `prefix` (a table alias and its dot)."""
        return ", ".join(prefix + column for column in self.columns)

    def item(self, row: Sequence[Any]) -> Item:
        """The value a row of select_list's columns holds."""
        values = [value if read is None else read(value) for read, value in zip(self._readers, row)]
        return self.build(**dict(zip(self.columns, values)))

    def one(self, cursor: psycopg.Cursor) -> Item | None:
        """The value of the cursor's next row; None when there is none."""
        row = cursor.fetchone()
        return self.item(row) if row else None

    def all(self, cursor: psycopg.Cursor) -> list[Item]:
        """The values of the cursor's rows, in their order."""
        return [self.item(row) for row in cursor.fetchall()]

    def values(self, item: Item, columns: Iterable[str]) -> list[object]:
        """What to write in these columns of the item's row, in their order."""
        write = self.write
        return [write[c](getattr(item, c)) if c in write else getattr(item, c) for c in columns]


def assignments(columns: Iterable[str]) -> str:
    """`column = %s, …` for an UPDATE of these columns, in their order."""
    return ", ".join(f"{column} = %s" for column in columns)


def optional_bytes(value: bytes | memoryview | None) -> bytes | None:
    """A nullable bytea column's value (psycopg reads bytea as memoryview or bytes)."""
    return bytes(value) if value is not None else None
