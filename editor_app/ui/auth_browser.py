"""AuthBrowser: the embedded browser for logins, with a strict URL policy, an injected `window.opener`
(QWebChannel) for the popup protocol, and interception of OAuth redirects before they load.

`BrowserLogin` drives one login flow from `editor_app.auth` in an AuthBrowser and reports a Token.

Navigation policy:
- schemes: https anywhere, http only on this computer (tokens and codes never travel in clear); never
  file:, qrc:, data: pages or other local schemes (`url_allowed`);
- hosts: a page loads only on the hosts the login needs — the first page's host, the hosts the flow names
  (`LoginTarget.browser_hosts`: the auth server, the Git host's web address, the Identity service), and
  hosts the login reaches by itself from an allowed page (server redirects, form posts and script
  navigations: an OAuth provider sending the browser to its identity provider and back). A link the user
  clicks to any other host (terms, help, the provider's home page) opens in the system browser instead,
  so the login dialog never becomes a general web browser.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QFile, QIODevice, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from editor_app.auth.gotrue import ExternalLogin
from editor_app.auth.oauth import ImplicitFlow, LoginError, PkceFlow, same_endpoint
from editor_app.auth.popup_protocol import PopupLogin, origin_of
from editor_app.auth.tokens import Token
from editor_app.errors import EditorError
from editor_app.hosts import is_loopback_host
from editor_app.ui.signals import emit
from editor_app.ui.tasks import TaskFailure

# Stands in for the CMS window: window.opener.postMessage(...) reaches the app through QWebChannel.
# Messages queue until the channel is connected (pages post as soon as they load).
OPENER_SHIM = r"""
(function () {
  if (window.top !== window) return;
  var queue = [], bridge = null;
  function send(data) {
    var text = (typeof data === "string") ? data : JSON.stringify(data);
    var kind = (typeof data === "string") ? "string" : "json";
    if (bridge) { bridge.receive(kind, text); } else { queue.push([kind, text]); }
  }
  var opener = { postMessage: function (data, targetOrigin) { send(data); }, closed: false };
  try { Object.defineProperty(window, "opener", { value: opener, configurable: true, writable: false }); }
  catch (e) { window.opener = opener; }
  new QWebChannel(qt.webChannelTransport, function (channel) {
    bridge = channel.objects.editorAppOpener;
    while (queue.length) { var m = queue.shift(); bridge.receive(m[0], m[1]); }
  });
})();
"""


def url_allowed(url: str, *, navigation: bool = True) -> bool:
    """The browser's policy: https anywhere, http only on loopback; never file:, qrc: or other local schemes.

    Sub-resources may also be data:/blob: (images, fonts of provider pages); pages may not.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("https", "wss"):
        return True
    if scheme in ("http", "ws"):
        return is_loopback_host((parts.hostname or "").lower())
    if url == "about:blank":
        return True
    return not navigation and scheme in ("data", "blob")


class _Interceptor(QWebEngineUrlRequestInterceptor):
    """Blocks sub-resource and navigation requests outside the policy, and intercepted redirects."""

    def __init__(self, browser: AuthBrowser) -> None:
        super().__init__(browser)
        self._browser = browser

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl().toString()
        main_frame = info.resourceType() == QWebEngineUrlRequestInfo.ResourceType.ResourceTypeMainFrame
        if main_frame and self._browser._should_intercept(url):
            info.block(True)
            self._browser._intercepted(url)
        elif not url_allowed(url, navigation=main_frame):
            info.block(True)
            if main_frame:  # a blocked image or iframe does not end the login; a blocked page does
                self._browser._blocked(url)
            else:
                self._browser.blocked_resources.append(url)


class _Page(QWebEnginePage):
    """Applies the policy to navigations and keeps every window inside the dialog."""

    def __init__(self, profile: QWebEngineProfile, browser: AuthBrowser) -> None:
        super().__init__(profile, browser)
        self._browser = browser

    def acceptNavigationRequest(
        self, url: QUrl | str, navigation_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        text = url.toString() if isinstance(url, QUrl) else url
        if is_main_frame and self._browser._should_intercept(text):
            self._browser._intercepted(text)
            return False  # the redirect page is never loaded
        if not url_allowed(text):
            self._browser._blocked(text)
            return False
        if is_main_frame:
            return self._browser._host_allowed(text, navigation_type)
        return True

    def createWindow(self, window_type: QWebEnginePage.WebWindowType) -> QWebEnginePage:
        # No windows outside the dialog: target=_blank / window.open navigate this same page.
        return self

    def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
        pass  # provider pages' console output may contain codes or tokens: never log it


class _OpenerBridge(QObject):
    """The Python end of the injected window.opener."""

    def __init__(self, browser: AuthBrowser) -> None:
        super().__init__(browser)
        self._browser = browser

    @Slot(str, str)
    def receive(self, kind: str, text: str) -> None:
        """A postMessage from the page; the origin is taken from the page's URL, never from the page's word."""
        data: object = text
        if kind == "json":
            try:
                data = json.loads(text)
            except ValueError:
                return
        origin = origin_of(self._browser.page.url().toString())
        emit(self._browser.message_received, data, origin)


def _qwebchannel_source() -> str:
    source = QFile(":/qtwebchannel/qwebchannel.js")
    if not source.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("qwebchannel.js is missing from the Qt resources (QtWebChannel not installed?)")
    try:
        return bytes(source.readAll().data()).decode("utf-8")
    finally:
        source.close()


class AuthBrowser(QWidget):
    """An embedded browser for one login at a time; see the module docstring."""

    message_received = Signal(object, str)  # data, origin of the page that posted it
    redirect_intercepted = Signal(str)  # the full redirect URL (query/fragment carry the answer)
    navigation_blocked = Signal(str)  # a URL the policy refused
    closed_by_page = Signal()  # the page called window.close()
    load_finished = Signal(bool)

    opened_externally = Signal(str)  # a link the user clicked to a host the login does not need

    def __init__(self, profile: QWebEngineProfile | None = None, parent: QWidget | None = None, *,
                 open_externally: Callable[[str], object] | None = None) -> None:
        """`open_externally(url)` shows a page outside the login (default: the system browser; tests inject one)."""
        super().__init__(parent)
        self._open_externally = open_externally or _open_in_system_browser
        self.allowed_hosts: set[str] = set()
        # Off the record by default: no cookies or cache of the provider stay on disk after the login.
        own_profile = profile is None
        self.profile = profile or QWebEngineProfile()
        self._interceptor = _Interceptor(self)
        self.profile.setUrlRequestInterceptor(self._interceptor)
        self.page = _Page(self.profile, self)
        if own_profile:
            # A child of the page: Qt deletes children after their parent's destructor, so the page always
            # goes before its profile, even when nobody calls dispose().
            self.profile.setParent(self.page)
        self.view = QWebEngineView(self)
        self.view.setPage(self.page)
        self.view.setAccessibleName("Login page")
        self._bridge = _OpenerBridge(self)
        self._channel = QWebChannel(self.page)
        self._channel.registerObject("editorAppOpener", self._bridge)
        self._intercept: Callable[[str], bool] | None = None
        self._intercept_done = False
        self.blocked_resources: list[str] = []  # sub-resources the policy refused (for diagnostics)
        self._disposed = False
        self._opener_scripts: list[QWebEngineScript] = []
        self.page.loadFinished.connect(lambda ok: emit(self.load_finished, bool(ok)))
        self.page.windowCloseRequested.connect(lambda: emit(self.closed_by_page))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def _should_intercept(self, url: str) -> bool:
        return self._intercept is not None and self._intercept(url)

    def _intercepted(self, url: str) -> None:
        # Both the interceptor and acceptNavigationRequest may see the same redirect; report it once.
        if self._intercept_done:
            return
        self._intercept_done = True
        # Called from inside Chromium's navigation callbacks: report after they return, since handlers
        # stop the page and change its scripts, which must not happen re-entrantly (it aborts Chromium).
        QTimer.singleShot(0, self, lambda: emit(self.redirect_intercepted, url))

    def _blocked(self, url: str) -> None:
        QTimer.singleShot(0, self, lambda: emit(self.navigation_blocked, url))

    def _host_allowed(self, url: str, navigation_type: Any) -> bool:
        """The host policy for a main-frame navigation (see the module docstring)."""
        host = (urlsplit(url).hostname or "").lower()
        if not host or host in self.allowed_hosts:
            return True
        if navigation_type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked:
            QTimer.singleShot(0, self, lambda: self._show_outside(url))
            return False
        # The login itself went there (a server redirect, a form post, a script): the provider's identity
        # provider, or the provider sending the browser back. Its later pages may load too.
        self.allowed_hosts.add(host)
        return True

    def _show_outside(self, url: str) -> None:
        self._open_externally(url)
        emit(self.opened_externally, url)

    def set_opener(self, enabled: bool) -> None:
        """Inject (or remove) the `window.opener` that forwards postMessage to `message_received`."""
        scripts = self.page.scripts()
        for script in self._opener_scripts:
            scripts.remove(script)
        self._opener_scripts = []
        if enabled:
            self.page.setWebChannel(self._channel)
            for name, source in (("qwebchannel", _qwebchannel_source()), ("opener", OPENER_SHIM)):
                script = QWebEngineScript()
                script.setName(f"editor-app-{name}")
                script.setSourceCode(source)
                script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
                script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
                script.setRunsOnSubFrames(False)
                scripts.insert(script)
                self._opener_scripts.append(script)
        else:
            self.page.setWebChannel(None)  # type: ignore[arg-type]  # Qt takes nullptr; the stubs omit None

    def open(self, url: str, *, intercept: Callable[[str], bool] | None = None, opener: bool = False,
             hosts: Iterable[str] = ()) -> None:
        """Load `url`; navigations for which `intercept(url)` is true are reported and never loaded.

        Pages may load on `url`'s host, on `hosts`, and on hosts the login reaches by itself from those."""
        if not url_allowed(url):
            self._blocked(url)
            raise LoginError(f"refusing to open {urlsplit(url).scheme}: pages in the login browser (only https)")
        self.allowed_hosts = {h.lower() for h in (urlsplit(url).hostname, *hosts) if h}
        self._intercept = intercept
        self._intercept_done = False
        self.set_opener(opener)
        self.page.load(QUrl(url))

    def post_to_page(self, message: str, origin: str) -> None:
        """Deliver `message` to the page as a `message` event from its opener (the CMS window's answer)."""
        script = (
            f"window.dispatchEvent(new MessageEvent('message', {{data: {json.dumps(message)}, "
            f"origin: {json.dumps(origin)}}}));"
        )
        self.page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld)

    def stop(self) -> None:
        """Stop loading and forget the current login (its handlers)."""
        self._intercept = None
        self.page.triggerAction(QWebEnginePage.WebAction.Stop)
        self.set_opener(False)

    def dispose(self) -> None:
        """Release the page before the profile (Qt warns and misbehaves otherwise)."""
        if self._disposed:
            return
        self._disposed = True
        self.stop()
        self.profile.setUrlRequestInterceptor(None)  # type: ignore[arg-type]  # Qt takes nullptr; the stubs omit None
        self.view.setPage(None)  # type: ignore[arg-type]  # Qt takes nullptr; the stubs omit None
        self.page.deleteLater()


def _open_in_system_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


Flow = PopupLogin | ImplicitFlow | PkceFlow | ExternalLogin
Runner = Callable[[Callable[[], Token], Callable[[Token], None], Callable[[TaskFailure], None]], None]


class BrowserLogin(QObject):
    """Runs one login flow in an AuthBrowser; emits `succeeded(Token)` or `failed(str, bool cancelled)`.

    `run_background(work, on_success, on_failure)` runs the token exchange of PKCE off the GUI thread
    (the app passes its TaskRunner's run); without one it runs inline.
    """

    succeeded = Signal(object)
    failed = Signal(str, bool)

    def __init__(self, browser: AuthBrowser, flow: Flow, *, run_background: Runner | None = None,
                 site_origin: str = "") -> None:
        super().__init__(browser)
        self.browser = browser
        self.flow = flow
        self.run_background = run_background
        self.site_origin = site_origin
        self.done = False
        self._connections: list[Any] = []

    def start(self) -> None:
        """Open the flow's first page in the browser."""
        b = self.browser
        self._connections = [
            (b.closed_by_page, self._on_closed),
            (b.navigation_blocked, self._on_blocked),
        ]
        if isinstance(self.flow, PopupLogin):
            self._connections.append((b.message_received, self._on_message))
        else:
            self._connections.append((b.redirect_intercepted, self._on_redirect))
        for signal, slot in self._connections:
            signal.connect(slot)
        try:
            hosts = self.flow.target.browser_hosts()
            if isinstance(self.flow, PopupLogin):
                b.open(self.flow.url, opener=True, hosts=hosts)
            elif isinstance(self.flow, ExternalLogin):
                b.open(self.flow.url, intercept=self.flow.is_redirect, hosts=hosts)
            else:
                redirect = self.flow.redirect_uri
                b.open(self.flow.authorize_url, intercept=lambda url: same_endpoint(url, redirect), hosts=hosts)
        except (EditorError, ValueError) as exc:  # LoginError, a plain-http endpoint, a missing setting
            self._fail(str(exc))

    def cancel(self) -> None:
        """The user closed the login: stop, and report a cancelled login."""
        self._fail("the login was cancelled before it finished", cancelled=True)

    def _disconnect(self) -> None:
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._connections = []
        self.browser.stop()

    def _succeed(self, token: Token) -> None:
        if self.done:
            return
        self.done = True
        self._disconnect()
        emit(self.succeeded, token)

    def _fail(self, message: str, cancelled: bool = False) -> None:
        if self.done:
            return
        self.done = True
        self._disconnect()
        emit(self.failed, message, cancelled)

    def _on_closed(self) -> None:
        self._fail("the login page closed itself before the login finished", cancelled=True)

    def _on_blocked(self, url: str) -> None:
        scheme = urlsplit(url).scheme
        host = urlsplit(url).hostname or ""
        self._fail(f"the login page tried to open a {scheme}: address ({host or url[:40]}), "
                   "which the app does not allow")

    def _on_message(self, data: object, origin: str) -> None:
        assert isinstance(self.flow, PopupLogin)
        try:
            reply = self.flow.receive(data, origin)
        except LoginError as exc:
            self._fail(str(exc))
            return
        if reply is not None:
            self.browser.post_to_page(reply, self.site_origin or origin)
        if self.flow.token is not None:
            self._succeed(self.flow.token)

    def _on_redirect(self, url: str) -> None:
        flow = self.flow
        assert not isinstance(flow, PopupLogin)

        def finish() -> Token:
            return flow.complete(url)

        def failed(failure: TaskFailure) -> None:
            self._fail(str(failure.error))

        if isinstance(flow, PkceFlow) and self.run_background is not None:
            self.run_background(finish, self._succeed, failed)
            return
        try:
            token = finish()
        except Exception as exc:  # every failure of the exchange is shown to the user
            self._fail(str(exc))
            return
        self._succeed(token)
