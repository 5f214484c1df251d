"""Pytest fixtures for the fake customer application.

Register them in a conftest.py with

    from tests.support.fixtures import customer_app  # noqa: F401

(or, for the whole suite, `pytest_plugins = ["tests.support.fixtures"]` in
tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.customer_app import CustomerApp


@pytest.fixture
def customer_app() -> Iterator[CustomerApp]:
    """A started CustomerApp on 127.0.0.1, stopped (held replies released) after the test."""
    with CustomerApp() as app:
        yield app
