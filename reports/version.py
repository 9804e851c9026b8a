"""What the rendering code looks like: a PDF cached for some data is stale once this changes."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import reportlab

PACKAGE = Path(__file__).resolve().parent


@cache
def renderer_fingerprint() -> str:
    """sha256 over the library's code and catalogs and reportlab's version."""
    digest = hashlib.sha256(reportlab.Version.encode())
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.po")]):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
