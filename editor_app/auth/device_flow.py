"""GitHub's OAuth device flow: show a code and the verification page, poll for the token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from editor_app.auth.network import unreachable
from editor_app.auth.oauth import LoginError
from editor_app.auth.tokens import Clock, Token

GITHUB_WEB = "https://github.com"


@dataclass(frozen=True)
class DeviceCode:
    """What the user sees: the code to type and the page to type it on."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    expires_at: float
    interval: float


class DeviceFlow:
    """`start()` asks for a code; `poll_once()` / `wait()` exchange it for a token once the user approved."""

    def __init__(
        self,
        client_id: str,
        client: httpx.Client,
        *,
        scope: str = "repo",
        web_url: str = GITHUB_WEB,
        clock: Clock = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not client_id:
            raise LoginError("GitHub device login needs an OAuth app client id (settings or backend config)")
        self.client_id = client_id
        self.client = client
        self.scope = scope
        self.web_url = web_url.rstrip("/")
        self.clock = clock
        self.sleep = sleep

    def _post(self, path: str, body: dict[str, str]) -> dict[str, Any]:
        url = f"{self.web_url}{path}"
        try:
            response = self.client.post(url, data=body, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise unreachable(url, exc) from None
        try:
            data = response.json()
        except ValueError:
            raise LoginError(f"{url} answered {response.status_code} without JSON") from None
        if not isinstance(data, dict):
            raise LoginError(f"{url} answered {response.status_code} without a JSON object")
        if response.status_code >= 400 and not data.get("error"):
            raise LoginError(f"{url} answered {response.status_code}")
        return data

    def start(self) -> DeviceCode:
        """Ask GitHub for a device code and a user code."""
        data = self._post("/login/device/code", {"client_id": self.client_id, "scope": self.scope})
        if data.get("error"):
            raise LoginError(f"GitHub refused the device login: {data.get('error_description') or data['error']}")
        return DeviceCode(
            device_code=data["device_code"],
            user_code=data["user_code"],
            verification_uri=data.get("verification_uri") or f"{self.web_url}/login/device",
            expires_at=self.clock() + float(data.get("expires_in", 900)),
            interval=float(data.get("interval", 5)),
        )

    def poll_once(self, code: DeviceCode) -> Token | None:
        """The token once the user approved, None while pending; raises LoginError when denied or expired.

        A `slow_down` answer raises the polling interval of `code` by 5 s, as GitHub asks.
        """
        if self.clock() >= code.expires_at:
            raise LoginError("the device code expired before it was entered; start again")
        data = self._post(
            "/login/oauth/access_token",
            {
                "client_id": self.client_id,
                "device_code": code.device_code,
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            },
        )
        error = data.get("error")
        if error == "authorization_pending":
            return None
        if error == "slow_down":
            object.__setattr__(code, "interval", float(data.get("interval", code.interval + 5)))
            return None
        if error == "access_denied":
            raise LoginError("the device login was cancelled on GitHub", cancelled=True)
        if error == "expired_token":
            raise LoginError("the device code expired before it was entered; start again")
        if error:
            raise LoginError(f"GitHub refused the device login: {data.get('error_description') or error}")
        return Token.from_response(data, method="device", now=self.clock())

    def wait(self, code: DeviceCode, *, cancelled: Callable[[], bool] = lambda: False) -> Token:
        """Poll at the interval GitHub asks for until a token, a refusal, expiry or `cancelled()`."""
        while True:
            if cancelled():
                raise LoginError("device login cancelled", cancelled=True)
            token = self.poll_once(code)
            if token is not None:
                return token
            self.sleep(code.interval)
