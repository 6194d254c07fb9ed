"""Shared test helpers."""

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def matches_golden():
    """Check DOT source against tests/golden/<name>.dot, a file reviewed by eye once.

    Set DELTAGRAD_UPDATE_GOLDEN=1 to rewrite the files after such a review.
    """

    def check(name: str, source: str) -> None:
        path = GOLDEN / f"{name}.dot"
        if os.environ.get("DELTAGRAD_UPDATE_GOLDEN"):
            path.write_text(source, encoding="utf-8")
        hint = "review the picture, then set DELTAGRAD_UPDATE_GOLDEN=1"
        assert path.exists(), f"no {path.name}: {hint}"
        assert source == path.read_text(encoding="utf-8")

    return check
