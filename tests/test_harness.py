"""The test suite on a bare machine: its own git identity, one rule for ../shared, no wait on a dead child,
decap-server installed by the suite itself (README "Two commands")."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import TEST_GIT_IDENTITY

REPO = Path(__file__).resolve().parent.parent


def test_git_run_by_a_test_has_the_suites_identity_without_any_home_config(tmp_path: Path) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    site = tmp_path / "site"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=site, env=env, capture_output=True, text=True, check=True).stdout

    site.mkdir()
    git("init", "-q", "-b", "main")
    (site / "a.md").write_text("a\n")
    git("add", "a.md")
    git("commit", "-q", "--no-gpg-sign", "-m", "First")
    name, email = TEST_GIT_IDENTITY
    assert git("log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == f"{name} <{email}>|{name} <{email}>"
    # What the local backend asks when a site has no identity of its own.
    assert (git("config", "user.name").strip(), git("config", "user.email").strip()) == TEST_GIT_IDENTITY


# --- ../shared ---------------------------------------------------------------------------------------------

NEEDS_SHARED = [
    # in process: the GitHub fake reads GitHub's GraphQL schema from ../shared while answering
    "tests/fakes/test_github_fake.py::test_graphql_reads_many_blobs_and_trees_in_one_query_with_aliases",
    # over loopback: the same read happens in the fake server's thread
    "tests/backends/test_contract.py::test_read_many_files_at_once_leaving_out_missing_ones[github-loopback]",
    # in a served child process (this one hung for 300 s)
    "tests/backends/test_github.py::test_open_site_benchmark_runs_and_meets_its_request_targets",
    # asks shared_path itself
    "tests/test_check_config_cli.py::test_valid_config_prints_a_summary_and_exits_0",
]


def run_pytest(tmp_path: Path, tests: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key != "CI"}
    environ.update(env)
    environ["EDITOR_APP_TESTS_SHARED"] = str(tmp_path / "no-shared-here")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider", "--timeout", "60", *tests],
        cwd=REPO, env=environ, capture_output=True, text=True, timeout=240, check=False,
    )


def test_without_shared_the_tests_that_need_it_skip_with_one_reason_and_fail_under_ci(tmp_path: Path) -> None:
    started = time.monotonic()
    without_ci = run_pytest(tmp_path, NEEDS_SHARED)
    assert f"{len(NEEDS_SHARED)} skipped" in without_ci.stdout, without_ci.stdout + without_ci.stderr
    assert "failed" not in without_ci.stdout and "error" not in without_ci.stdout.lower()
    assert without_ci.stdout.count("shared material not present: ") == len(NEEDS_SHARED)
    under_ci = run_pytest(tmp_path, NEEDS_SHARED, CI="1")
    assert f"{len(NEEDS_SHARED)} failed" in under_ci.stdout, under_ci.stdout + under_ci.stderr
    assert under_ci.stdout.count("missing shared material: ") >= len(NEEDS_SHARED)
    assert time.monotonic() - started < 120  # nothing waits on the benchmark's dead child


# --- a served fake in a child process ---------------------------------------------------------------------

def crash_while_seeding(conn: object, message: str) -> None:
    """A served host's child that dies before its greeting, as the GitHub one did without ../shared."""
    raise RuntimeError(message)


def exit_after_greeting(conn: object) -> None:
    """A served host's child that greets and then dies without a word."""
    conn.send("http://127.0.0.1:9")
    os._exit(3)


@pytest.mark.timeout(60)
def test_a_served_host_whose_child_dies_before_greeting_fails_at_once_with_the_childs_error() -> None:
    from tests.benchmarks.served import ServedHostDied, served_host

    started = time.monotonic()
    with pytest.raises(ServedHostDied, match=r"(?s)exited with code 1 while waiting for its greeting.*"
                                             r"RuntimeError: the seed went wrong"):
        with served_host(crash_while_seeding, ("the seed went wrong",), lambda greeting: pytest.fail("connected")):
            pytest.fail("the served host started")
    assert time.monotonic() - started < 30


@pytest.mark.timeout(60)
def test_a_served_host_whose_child_dies_later_fails_the_next_question_at_once() -> None:
    from editor_app.backends.base import BackendSettings, Credentials
    from editor_app.backends.github import GitHubBackend
    from tests.benchmarks.served import ServedHostDied, served_host

    def connect(url: str) -> GitHubBackend:
        return GitHubBackend.connect(BackendSettings(name="github", repo="o/r", api_root=url), Credentials("t"))

    with pytest.raises(ServedHostDied, match="exited with code 3 while waiting for an answer to 'answered'"):
        with served_host(exit_after_greeting, (), connect) as host:
            time.sleep(0.5)
            host.answered()


# --- decap-server from npm --------------------------------------------------------------------------------

@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """tests/decap_server/harness.py pointed at an empty folder, with a PATH holding only `bin`."""
    from tests.decap_server import harness

    folder = tmp_path / "decap_server"
    folder.mkdir()
    monkeypatch.setattr(harness, "HERE", folder)
    monkeypatch.setattr(harness, "ENTRY", folder / "node_modules" / "decap-server" / "dist" / "index.js")
    monkeypatch.setattr(harness, "_install_problem", [])
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("CI", raising=False)
    return harness


def tool(tmp_path: Path, name: str, script: str) -> None:
    path = tmp_path / "bin" / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def test_without_node_the_decap_server_tests_skip_saying_so_and_fail_under_ci(
        harness: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pytest.skip.Exception, match="need Node.js: node and npm not found on PATH"):
        harness.require_decap_server()
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="need Node.js"):
        harness.require_decap_server()


def test_the_suite_installs_decap_server_with_npm_when_it_is_missing(harness: ModuleType, tmp_path: Path) -> None:
    tool(tmp_path, "node", "exit 0")
    tool(tmp_path, "npm", 'echo "$@" > npm-args; /bin/mkdir -p node_modules/decap-server/dist; '
                          ': > node_modules/decap-server/dist/index.js')
    assert harness.require_decap_server() == harness.ENTRY
    assert (harness.HERE / "npm-args").read_text().split()[:1] == ["ci"]


def test_a_failed_npm_install_skips_with_npms_error_once_and_fails_under_ci(
        harness: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool(tmp_path, "node", "exit 0")
    tool(tmp_path, "npm", 'echo "npm ERR! network request failed" >&2; echo x >> ../npm-calls; exit 1')
    for _ in range(2):
        with pytest.raises(pytest.skip.Exception, match="npm ci .* failed \\(exit 1\\): npm ERR! network request"):
            harness.require_decap_server()
    assert (tmp_path / "npm-calls").read_text() == "x\n"  # tried once per run, not once per test
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="network request failed"):
        harness.require_decap_server()
