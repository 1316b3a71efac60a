"""A small run of the open-site benchmark through Git Gateway keeps it working, and shows what the gateway costs.

Behind the gateway there is no GraphQL (GitHub) and no batch read, so a cold open reads each file once; a
reopen with the same head costs one request (Workspace.open included) and a save as many as the host adapter
needs directly.
"""

from __future__ import annotations

import pytest

from tests.benchmarks.open_site import run


@pytest.mark.parametrize("host", ["git-gateway", "git-gateway-gitlab"])
def test_opening_and_saving_a_small_site_through_git_gateway(host: str) -> None:
    entries = 60
    figures = run(host, entries, 0.0)
    assert figures["cold_open"]["requests"] <= entries + 4  # head, listing pages, one read per file
    assert figures["warm_open"]["requests"] == 1  # Workspace.open's head: the gateway's login check too
    assert figures["warm_open_after_one_change"]["requests"] <= 13
    assert figures["save_one_entry"]["requests"] <= 5  # the reopen (1) and the save
