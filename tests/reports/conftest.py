from __future__ import annotations

import pytest

from reports import register_fonts


@pytest.fixture(scope="session", autouse=True)
def fonts() -> None:
    register_fonts()
