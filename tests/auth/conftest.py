"""Fixtures for the auth tests: a fake auth server on 127.0.0.1 and an httpx client."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.auth_servers import FakeAuthServer


@pytest.fixture
def server() -> FakeAuthServer:
    """A started fake auth server, stopped after the test."""
    fake = FakeAuthServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def client() -> httpx.Client:
    """An httpx client with certificate verification on (the default) and a short timeout."""
    with httpx.Client(timeout=5) as c:
        yield c
