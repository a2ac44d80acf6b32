"""Settings from the environment: defaults, overrides, and clear errors for bad values."""

from __future__ import annotations

import pytest

from codetracker.errors import InvalidInput
from codetracker.wiring import Services


def test_defaults_and_overrides():
    services = Services(env={"CODE_TRACKER_MAX_FILE_BYTES": "100", "CODE_TRACKER_GIT_READ_TIMEOUT": "2.5"})
    assert services.selection_options.max_file_bytes == 100
    assert services.fetch_limits.read_timeout == 2.5
    assert Services(env={}).fetch_limits.max_files == 200_000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CODE_TRACKER_MAX_FILE_BYTES", "ten"),
        ("CODE_TRACKER_MAX_FILES", "-1"),
        ("CODE_TRACKER_GIT_CONNECT_TIMEOUT", "0"),
        ("CODE_TRACKER_MAX_PACK_BYTES", "1.5"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    services = Services(env={name: value})
    with pytest.raises(InvalidInput) as error:
        getattr(services, "selection_options" if name == "CODE_TRACKER_MAX_FILE_BYTES" else "fetch_limits")
    assert error.value.field == name and name in str(error.value)
