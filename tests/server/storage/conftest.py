"""Fixtures for the storage and imaging tests (the S3 ones come from tests/fixtures/s3.py)."""

from __future__ import annotations

import pytest

from server.storage import LocalStorage, Storage
from tests.server.storage.helpers import SECRET, UPLOAD_URL


@pytest.fixture
def local_storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage", SECRET, upload_url_for=lambda t: UPLOAD_URL + t)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    """Each test that asks for `storage` runs against both backends."""
    return request.getfixturevalue(f"{request.param}_storage")
