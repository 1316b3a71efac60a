"""A small run of the open-site benchmark against the GitLab host keeps it working and within GitLab's targets."""

from __future__ import annotations

import math

from tests.benchmarks.open_site import run


def test_opening_and_saving_a_small_gitlab_site_stays_within_gitlabs_request_targets() -> None:
    entries = 150
    figures = run("gitlab", entries, 0.0)
    tree_pages = math.ceil(entries / 100)  # the posts folder, 100 entries a page
    # From Workspace.open on: the login check (user, project) and the head, then the tree and the reads.
    assert figures["cold_open"]["requests"] <= math.ceil(entries / 100) + tree_pages + 3 + 2
    assert figures["warm_open"]["requests"] == 1
    assert figures["save_one_entry"]["requests"] <= 4  # the reopen (1) and the save
