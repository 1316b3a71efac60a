"""ExpiryWatcher: decides when to warn that a login expires (10 and 2 minutes before), with an injectable clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from editor_app.auth.tokens import Clock, Token

DEFAULT_WARNINGS = (600.0, 120.0)


@dataclass(frozen=True)
class ExpiryWarning:
    """A warning to show: seconds left (0 or less when expired) and the threshold that triggered it."""

    seconds_left: float
    threshold: float
    expired: bool

    @property
    def text(self) -> str:
        """What the banner says."""
        if self.expired:
            return "Your login has expired. Log in again to keep saving; your open edits stay open."
        minutes = max(1, round(self.seconds_left / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return f"Your login expires in {minutes} {unit}. Log in again now to keep saving without interruption."


@dataclass
class ExpiryWatcher:
    """Call `check()` periodically; it returns each warning once (10 min, 2 min, expired) per token."""

    clock: Clock = time.time
    thresholds: tuple[float, ...] = DEFAULT_WARNINGS
    token: Token | None = None
    _given: set[float] = field(default_factory=set)

    def watch(self, token: Token | None) -> None:
        """Follow a new token (after login or re-login); warnings start over."""
        self.token = token
        self._given = set()

    def next_check_in(self) -> float | None:
        """Seconds until the next warning is due (for a timer), None when nothing is due."""
        if self.token is None or self.token.expires_at is None:
            return None
        left = self.token.expires_at - self.clock()
        pending = [left - t for t in (*self.thresholds, 0.0) if t not in self._given]
        if not pending:
            return None
        return max(0.0, min(p for p in pending if p >= 0) if any(p >= 0 for p in pending) else 0.0)

    def check(self) -> ExpiryWarning | None:
        """The warning due now, if one is due and was not given yet."""
        if self.token is None or self.token.expires_at is None:
            return None
        left = self.token.expires_at - self.clock()
        if left <= 0:
            if 0.0 in self._given:
                return None
            self._given.update({0.0, *self.thresholds})
            return ExpiryWarning(left, 0.0, True)
        due = [t for t in sorted(self.thresholds) if left <= t and t not in self._given]
        if not due:
            return None
        # Crossing several thresholds at once (e.g. after sleep) gives one warning, the most urgent.
        self._given.update(t for t in self.thresholds if t >= due[0])
        return ExpiryWarning(left, due[0], False)
