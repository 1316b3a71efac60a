"""Expiry warnings in the window: banner and notification with Re-login, driven by an injectable clock."""

from __future__ import annotations

import time

import pytest

from editor_app.auth.expiry import ExpiryWatcher
from editor_app.auth.tokens import Token
from editor_app.ui.expiry_banner import ExpiryBanner
from editor_app.ui.notifications import NotificationArea


def test_bitbucket_hour_login_warns_ten_and_two_minutes_before_expiry_with_relogin(qtbot):
    now = [1000.0]
    area = NotificationArea()
    qtbot.addWidget(area)
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: now[0]), area)
    qtbot.addWidget(banner)
    banner.watch(Token(access_token="t", expires_at=1000.0 + 3600, method="implicit"))
    assert banner.check() is None and banner.isHidden()
    assert banner.timer.isActive() and banner.timer.interval() == 60_000  # capped: sleep-proof

    now[0] += 3000
    warning = banner.check()
    assert warning is not None and not banner.isHidden()
    assert "expires in 10 minutes" in banner.label.text()
    assert area.notifications[-1].message == banner.label.text()
    with qtbot.waitSignal(banner.relogin_requested):
        area.notifications[-1].buttons[0].click()

    now[0] += 480
    assert banner.check() is not None and "expires in 2 minutes" in banner.label.text()
    assert len(area.notifications) == 1  # the 10-minute notification was replaced
    with qtbot.waitSignal(banner.relogin_requested):
        banner.relogin_button.click()

    now[0] += 120
    assert banner.check().expired and "has expired" in banner.label.text()


def test_a_new_login_clears_the_warning(qtbot):
    now = [0.0]
    area = NotificationArea()
    qtbot.addWidget(area)
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: now[0]), area)
    qtbot.addWidget(banner)
    banner.watch(Token(access_token="t", expires_at=500.0))
    assert banner.check() is not None and not banner.isHidden()
    banner.watch(Token(access_token="t2", expires_at=3600.0))
    assert banner.isHidden()
    qtbot.waitUntil(lambda: area.notifications == [])
    assert banner.check() is None


def test_the_timer_fires_the_warning(qtbot):
    start = time.monotonic()
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: time.monotonic() - start))
    qtbot.addWidget(banner)
    banner.watch(Token(access_token="t", expires_at=600.1))  # the 10-minute warning is due in 100 ms
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=3000)
    assert "10 minutes" in banner.label.text()


def test_logins_without_expiry_never_warn(qtbot):
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: 1e12))
    qtbot.addWidget(banner)
    banner.watch(Token(access_token="pat"))
    assert banner.check() is None and not banner.timer.isActive()


def test_a_login_that_can_be_renewed_is_renewed_quietly_instead_of_warned_about(qtbot):
    now = [0.0]
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: now[0]))
    qtbot.addWidget(banner)
    renewals = []

    def renew(done):
        renewals.append(done)
        banner.watch_renewed(Token(access_token="jwt-2", refresh_token="rt-2", expires_at=now[0] + 3600))
        done(True)

    banner.renew = renew
    banner.watch(Token(access_token="jwt-1", refresh_token="rt-1", expires_at=3600.0))
    now[0] = 3000.0
    assert banner.check() is None
    qtbot.waitUntil(lambda: banner.watcher.token.access_token == "jwt-2")
    assert len(renewals) == 1 and banner.isHidden()


def test_a_failed_quiet_renewal_shows_the_warning(qtbot):
    now = [3000.0]
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: now[0]))
    qtbot.addWidget(banner)
    banner.renew = lambda done: done(False)
    banner.watch(Token(access_token="jwt-1", refresh_token="rt-1", expires_at=3600.0))
    banner.check()
    assert not banner.isHidden() and "expires in 10 minutes" in banner.label.text()


def test_a_login_without_a_refresh_token_is_warned_about_even_with_a_renewer(qtbot):
    banner = ExpiryBanner(ExpiryWatcher(clock=lambda: 3000.0))
    qtbot.addWidget(banner)
    banner.renew = lambda done: pytest.fail("nothing to renew with")
    banner.watch(Token(access_token="implicit", expires_at=3600.0, method="implicit"))
    assert banner.check() is not None and not banner.isHidden()
