"""One way to say that a login server could not be reached: where, why in words, and what to do."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from editor_app.errors import NetworkError


def unreachable(url: str, error: httpx.HTTPError) -> NetworkError:
    """The app error for a request to `url` that got no answer (no connection, a timeout, a broken answer)."""
    host = urlsplit(url).hostname or url
    if isinstance(error, httpx.TimeoutException):
        why = f"{host} did not answer in time"
    elif isinstance(error, httpx.ConnectError):
        why = f"could not connect to {host}"
    else:
        why = f"the connection to {host} failed ({type(error).__name__})"
    return NetworkError(f"{why}. Check the internet connection (or a proxy or firewall in the way) and try again.")
