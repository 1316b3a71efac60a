"""What every Git host adapter does when its host misbehaves: retries, rate limits, expired tokens.

Runs against every entry of HOSTED_FACTORIES (conftest.py), in process and over loopback.
"""

from __future__ import annotations

import pytest

from editor_app.backends.base import FileChange
from editor_app.errors import AuthError, EditorError, RateLimitedError
from tests.backends.conftest import FIXTURE_FILES, T0, Hosted


def blob_id(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_server_errors_on_reads_are_retried_without_the_user_noticing(hosted: Hosted) -> None:
    hosted.faults.error(502, method="GET", times=2)
    assert [f.path for f in hosted.backend.list_files("data").files] == ["data/settings.yml"]
    assert hosted.backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]


def test_a_host_that_keeps_failing_is_an_error_not_a_hang(hosted: Hosted) -> None:
    hosted.faults.error(503, method="GET", times=None)
    with pytest.raises(EditorError):
        hosted.backend.read_file("data/settings.yml")


def test_a_short_rate_limit_is_waited_out_and_reported(hosted: Hosted) -> None:
    hosted.rate_limit(30, 1)
    assert hosted.backend.read_file("data/settings.yml")[0] == FIXTURE_FILES["data/settings.yml"]
    assert len(hosted.waits) == 1
    resume_at, reason = hosted.waits[0]
    assert T0 + 29 <= resume_at <= T0 + 31
    assert reason


def test_a_long_rate_limit_is_raised_with_its_end_and_not_hammered(hosted: Hosted) -> None:
    hosted.rate_limit(3600, None)
    with pytest.raises(RateLimitedError) as caught:
        hosted.backend.read_file("data/settings.yml")
    assert T0 + 3599 <= caught.value.resume_at <= T0 + 3601
    hosted.log.clear()
    with pytest.raises(RateLimitedError):
        hosted.backend.list_files("content")
    assert len(hosted.log) == 0


def test_an_expired_token_is_an_auth_error_that_says_so(hosted: Hosted) -> None:
    hosted.expire_token()
    with pytest.raises(AuthError) as caught:
        hosted.backend.list_files("content")
    assert caught.value.expired


def test_a_save_refused_by_an_expired_token_writes_nothing(hosted: Hosted) -> None:
    path = "content/posts/first.md"
    before = hosted.backend.head()
    hosted.expire_token()
    with pytest.raises(AuthError):
        hosted.backend.commit([FileChange(path, b"mine\n", expected_id=blob_id(FIXTURE_FILES[path]))], "Mine",
                              expected_head=before)
    hosted.faults.clear()
    assert hosted.backend.head() == before
    assert hosted.backend.read_file(path)[0] == FIXTURE_FILES[path]
