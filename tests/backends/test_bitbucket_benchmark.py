"""A small run of the open-site benchmark against the Bitbucket host keeps it working and within its targets."""

from __future__ import annotations

import math

from tests.benchmarks.open_site import run


def test_opening_and_saving_a_small_bitbucket_site_costs_what_bitbuckets_api_allows() -> None:
    entries = 150
    figures = run("bitbucket", entries, 0.0)
    # Bitbucket has no batch read and reports no blob ids: a cold open (from Workspace.open on) checks the
    # login (repository, user), reads the branch, the `src` pages (100 entries each) and every entry once.
    assert figures["cold_open"]["requests"] <= 2 + 1 + math.ceil(entries / 100) + entries + 1
    assert figures["warm_open"]["requests"] == 1
    assert figures["warm_open_after_one_change"]["requests"] <= 4
    assert figures["save_one_entry"]["requests"] <= 4  # the reopen (1) and the save
