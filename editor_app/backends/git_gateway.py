"""Git Gateway adapter: a Netlify site's GoTrue (Identity) login in front of GitHub, GitLab or Bitbucket.

Decap's `decap-cms-backend-git-gateway` (decap-internals.md §2.4, §4.4):
- `GET {gateway}/settings` with the JWT says which host is behind the gateway (`github_enabled`,
  `gitlab_enabled`, `bitbucket_enabled`) and which Identity roles may use it (`roles`); a `gateway_url`
  ending in `/github`, `/gitlab` or `/bitbucket` names the host itself and skips that call.
- The host's own adapter then talks to `{gateway}/{host}/...`: the same paths without the repository prefix
  (the gateway knows the repository and holds the real host token), every request with `Authorization:
  Bearer <JWT>`. Commits carry the Identity user as author, since the host token is the site owner's.
- `gateway_url` defaults to `{site_url}/.netlify/git`, `identity_url` (used by the login, in auth/) to
  `{site_url}/.netlify/identity`.

Decisions:
- Wraps, does not copy: the registry hands in the host adapters (`GitGatewayBackend.over(...)`; host adapters
  never import each other) and the chosen one runs against the gateway in the mode that fits what the
  gateway forwards (netlify/git-gateway's allow-lists, which every recorded request matches): GitHub's
  `git`, `contents`, `pulls`, `branches`, `merges`, `statuses`, `compare`, `commits`, `issues/<n>/labels`
  (the adapter runs scoped, without GraphQL); GitLab's `merge_requests` and `repository/{files,commits,tree,
  compare,branches}` (no GraphQL, files read by path); Bitbucket's `src` alone (heads from `src` metadata,
  no file history, no editorial workflow: pull requests are not forwarded).
- One JWT for every thread: renewed through the app's `refresh` callback (GoTrue's refresh token) when it
  lapses within a minute (GoTrue's own rule) and once more on a 401, after which the request is repeated.
- Page links that name the host's API (GitHub's `https://api.github.com/repositories/<id>/...`, Bitbucket's
  `next`, GitLab's `Link`) are moved onto the gateway, as Decap's `nextUrlProcessor` does, so the JWT is
  never sent anywhere but the gateway.
- A user whose JWT `app_metadata.roles` share none of the gateway's roles is refused at connect, before
  anything is read, with the roles on both sides in the message.
- Decap's two gateway messages are kept: the host refusing the gateway's token ("Bad credentials") means the
  site's admin must reissue it; "Unable to locate site configuration" means Git Gateway is not enabled.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from editor_app.auth.tokens import jwt_claims
from editor_app.backends.base import (
    Backend,
    BackendSettings,
    CommitResult,
    Credentials,
    DeployPreview,
    FileChange,
    FileMeta,
    Listing,
    OnWait,
    OpenedSite,
    Refresh,
    RepoFile,
    UnpublishedEntry,
    User,
)
from editor_app.backends.http import (
    RefreshingAuth,
    Requester,
    RetryPolicy,
    make_client,
    require_credentials,
    safe_url,
)
from editor_app.errors import AuthError, ContentError, EditorError, NotFoundError
from editor_app.hosts import HOST_NAMES, require_secure_url

HOSTS = ("github", "gitlab", "bitbucket")
GATEWAY_PATH = "/.netlify/git"
JWT_MARGIN = 60.0  # GoTrue's jwt() renews a token that lapses within a minute
# Where each host's API names the repository in the URLs it sends back (page links); what follows is
# the path under `{gateway}/{host}/`.
HOST_API_PREFIXES = {
    "github": re.compile(r"^https?://[^/]+/(?:api/v3/)?(?:repositories/\d+|repos/[^/]+/[^/]+)(?=/|\?|$)"),
    "gitlab": re.compile(r"^https?://[^/]+/api/v4/projects/[^/?]+(?=/|\?|$)"),
    "bitbucket": re.compile(r"^https?://[^/]+/2\.0/repositories/[^/]+/[^/?]+(?=/|\?|$)"),
}
HOST_HEADERS = {"github": {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}}
REISSUE = "Please ask your site administrator to reissue the Git Gateway token."
ENABLE = "Please make sure Git Gateway is enabled on your site."


def gateway_root(settings: BackendSettings) -> str:
    """The gateway's URL: `gateway_url` (absolute, or a path on `site_url`), else `{site_url}/.netlify/git`."""
    url = (settings.gateway_url or "").strip()
    site = (settings.site_url or "").strip().rstrip("/")
    if not url or url.startswith("/"):
        if not site:
            raise ContentError(
                "git-gateway needs the site's address: set `site_url` at the top of config.yml "
                "(or `backend.gateway_url` to the gateway's full URL)"
            )
        url = site + (url or GATEWAY_PATH)
    if not re.match(r"^https?://[^/]+", url):
        raise ContentError(f"backend.gateway_url must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def split_host(root: str) -> tuple[str, str | None]:
    """(gateway URL, host) where a gateway URL ending in `/github`, `/gitlab` or `/bitbucket` names its host."""
    base, _, last = root.rpartition("/")
    if last in HOSTS:
        return base, last
    return root, None


class _GatewayAuth(RefreshingAuth):
    """The Identity JWT on gateway requests, renewed when it lapses within JWT_MARGIN (GoTrue's own rule) and
    once more on a 401; host API links are moved onto the gateway first, so the JWT goes nowhere else."""

    def __init__(self, credentials: Credentials, base: str, *, refresh: Refresh | None,
                 clock: Callable[[], float]) -> None:
        super().__init__(credentials, origins=[base], refresh=refresh, renew_within=JWT_MARGIN, clock=clock)
        self._base = httpx.URL(base.rstrip("/") + "/")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Keep the request on the gateway, then send it as RefreshingAuth does."""
        self._keep_on_gateway(request)
        return (yield from super().auth_flow(request))

    def _keep_on_gateway(self, request: httpx.Request) -> None:
        url = str(request.url)
        if url.startswith(str(self._base)):
            return
        for host, pattern in HOST_API_PREFIXES.items():
            match = pattern.match(url)
            if match:
                moved = httpx.URL(str(self._base) + host + url[match.end():])
                request.url = moved
                request.headers["Host"] = moved.netloc.decode("ascii")
                return


class GitGatewayBackend(Backend):
    """A site's repository behind Netlify's Git Gateway, as one Identity user."""

    name = "git-gateway"
    hosts: ClassVar[Mapping[str, type[Backend]]] = {}

    @classmethod
    def over(cls, hosts: Mapping[str, type[Backend]]) -> type[GitGatewayBackend]:
        """This adapter with the host adapters it may wrap (the registry passes them in)."""
        return type(cls.__name__, (cls,), {"hosts": dict(hosts), "__module__": cls.__module__, "__doc__": cls.__doc__})

    def __init__(
        self,
        settings: BackendSettings,
        client: httpx.Client,
        jwt: _GatewayAuth,
        *,
        host: str | None = None,
        transport: httpx.BaseTransport | None = None,
        on_wait: OnWait | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        **host_options: Any,
    ) -> None:
        self.settings = settings
        self.base = str(client.base_url).rstrip("/")
        self._jwt = jwt
        self.http = Requester(client, policy=policy, on_wait=on_wait, sleep=sleep, clock=clock,
                              host_label="Git Gateway")
        self.claims = jwt_claims(jwt.credentials.token) or {}
        self.roles: tuple[str, ...] = ()
        self.host = host or self._host_behind()  # a gateway URL ending in the host's name fixes it
        if self.host not in self.hosts:
            served = HOST_NAMES.get(self.host, self.host)
            raise EditorError(f"Git Gateway serves {served}, which this version cannot open")
        self.host_label = f"Git Gateway ({HOST_NAMES[self.host]})"
        inner_settings = replace(settings, name=self.host, repo="", api_root=f"{self.base}/{self.host}",
                                 branch=settings.branch or "master", use_graphql=False, open_authoring=False)
        inner_client = make_client(f"{self.base}/{self.host}/", transport=transport, auth=jwt,
                                   headers=HOST_HEADERS.get(self.host))
        options: dict[str, Any] = {"on_wait": on_wait, "policy": policy, "sleep": sleep, "clock": clock, **host_options}
        if self.author:
            options["author"] = self.author
        if self.host == "github":
            options["scoped"] = True
        elif self.host == "bitbucket":
            options["src_only"] = True  # the gateway forwards Bitbucket's `src/` and nothing else
        self.inner = self.hosts[self.host](inner_settings, inner_client, **options)  # type: ignore[call-arg]
        self.inner.http.host_label = self.host_label  # type: ignore[attr-defined]
        # The wrapped adapter's traits are this adapter's.
        self.supports_workflow = self.inner.supports_workflow  # type: ignore[misc]
        self.read_batch_hint = self.inner.read_batch_hint  # type: ignore[misc]
        self.listings_follow_head = self.inner.listings_follow_head  # type: ignore[misc]
        self.is_git = self.inner.is_git  # type: ignore[misc]

    @classmethod
    def connect(
        cls,
        settings: BackendSettings,
        credentials: Credentials | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        refresh: Refresh | None = None,
        on_wait: OnWait | None = None,
        read_cache: Path | None = None,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> GitGatewayBackend:
        """An adapter for the Identity `credentials` (a GoTrue JWT); `refresh` renews it when it lapses.
        `options`: `__init__`'s keyword options (retry policy, sleep for tests, host adapter options)."""
        base, fixed = split_host(gateway_root(settings))
        require_secure_url(base, "the Git Gateway URL (backend.gateway_url or site_url)")
        jwt = _GatewayAuth(require_credentials(credentials, cls.name), base, refresh=refresh, clock=clock)
        client = make_client(base + "/", transport=transport, auth=jwt)
        try:
            backend = cls(settings, client, jwt, host=fixed, transport=transport, on_wait=on_wait, clock=clock,
                          **options)
            backend.check_roles()
            if backend.host == "github":
                backend._learn_github_repository()
        except BaseException:
            client.close()
            raise
        return backend

    # --- the gateway itself ---------------------------------------------------------------------

    def _host_behind(self) -> str:
        """`GET {gateway}/settings`: the host enabled behind the gateway (and the roles it allows)."""
        response = self._gateway_call("GET", "settings", what="read the Git Gateway settings")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or "json" not in response.headers.get("Content-Type", ""):
            raise AuthError(f"Your Git Gateway backend is not returning valid settings. {ENABLE}")
        enabled = [h for h in HOSTS if data.get(f"{h}_enabled")]
        if not enabled:
            raise AuthError(f"Git Gateway has no Git host enabled for this site. {ENABLE}")
        self.roles = tuple(str(r) for r in data.get("roles") or ())
        return enabled[0]

    def _gateway_call(self, method: str, path: str, *, what: str) -> httpx.Response:
        response = self.http.request(method, path, allow=(404,), what=what)
        if response.status_code == 404:
            raise AuthError(f"{safe_url(response.request.url)}: Git Gateway is not answering for this site. {ENABLE}")
        return response

    def check_roles(self) -> None:
        """Refuse a user whose JWT roles share none of the roles the gateway allows (when it lists any)."""
        if not self.roles:
            return
        mine = set((self.claims.get("app_metadata") or {}).get("roles") or ())
        if not mine & set(self.roles):
            who = self.claims.get("email") or "This account"
            raise AuthError(
                f"{who} does not have sufficient permissions to edit this site through Git Gateway: it allows the "
                f"roles {', '.join(self.roles)}, the account has {', '.join(sorted(mine)) or 'none'}. "
                "Ask the site's administrator for one of those roles in Netlify Identity."
            )

    def _learn_github_repository(self) -> None:
        """Decap's `getHeadReference`: the site branch's `_links.self` names the repository (PRs filter by owner)."""
        branch = self.inner.default_branch()
        with self._translated():
            data = self.inner.http.json("GET", f"branches/{quote(branch, safe='')}",  # type: ignore[attr-defined]
                                        what=f"read branch {branch}") or {}
        link = str((data.get("_links") or {}).get("self") or "")
        match = re.search(r"/repos/([^/]+/[^/]+)/", link)
        if match:
            self.inner.learn_repo(match.group(1))  # type: ignore[attr-defined]

    @property
    def author(self) -> str | None:
        """"Name <email>" of the Identity user, for the commits made with the gateway's token."""
        email = str(self.claims.get("email") or "")
        if not email:
            return None
        name = str((self.claims.get("user_metadata") or {}).get("full_name") or email.split("@", 1)[0])
        return f"{name} <{email}>"

    @property
    def credentials(self) -> Credentials:
        """The credentials in use (renewed ones after a refresh), for the app to store."""
        return self._jwt.credentials

    @property
    def request_count(self) -> int:
        """Requests sent so far to the gateway (retries included)."""
        return self.http.request_count + int(getattr(self.inner, "request_count", 0))

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """The wrapped adapter's errors, with Decap's explanation where the gateway is the cause."""
        try:
            yield
        except AuthError as error:
            if "Bad credentials" in str(error):
                raise AuthError(f"{self.host_label}: the site's Git host token was refused. {REISSUE}") from None
            raise
        except NotFoundError as error:
            if "Unable to locate site configuration" in str(error):
                raise AuthError(f"{self.host_label}: {ENABLE}") from None
            raise

    # --- the Backend interface, through the host's adapter ---------------------------------------

    def current_user(self) -> User:
        """The Identity user (JWT claims); the site branch must be readable through the gateway
        (Decap's write check)."""
        with self._translated():
            self.inner.head()
        return self._identity_user()

    def _identity_user(self) -> User:
        email = str(self.claims.get("email") or "")
        meta = self.claims.get("user_metadata") or {}
        return User(
            login=email, name=str(meta.get("full_name") or email.split("@", 1)[0]), email=email,
            avatar_url=str(meta.get("avatar_url") or ""), can_write=True,
        )

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """One request whatever the host behind: the user is the JWT's, and the write check (the site branch
        reads through the gateway) is the head request itself; nothing needs remembering."""
        branch = self.inner.default_branch()
        with self._translated():
            head = self.inner.head(branch)
        return OpenedSite(user=self._identity_user(), branch=branch, head=head)

    def default_branch(self) -> str:
        """`branch` from the config, else `master` (Decap's git-gateway default)."""
        return self.inner.default_branch()

    def head(self, branch: str | None = None) -> str:
        """The commit at the head of `branch`."""
        with self._translated():
            return self.inner.head(branch)

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """The host adapter's listing, through the gateway."""
        with self._translated():
            return self.inner.list_files(folder, extension=extension, depth=depth, branch=branch)

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """The host adapter's batched reads, through the gateway."""
        with self._translated():
            return self.inner.read_files(files, branch=branch)

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file and its blob id."""
        with self._translated():
            return self.inner.read_file(path, branch=branch)

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Last author and date of `path`."""
        with self._translated():
            return self.inner.file_meta(path, branch=branch)

    def files_meta(self, paths: Sequence[str], *, branch: str | None = None) -> dict[str, FileMeta]:
        """Last author and date of many files, batched as the host behind the gateway allows."""
        with self._translated():
            return self.inner.files_meta(paths, branch=branch)

    def file_meta_batch(self) -> int:
        """Paths one `files_meta` request answers on the host behind the gateway."""
        return self.inner.file_meta_batch()

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One commit, signed by the Identity user."""
        with self._translated():
            return self.inner.commit(changes, message, branch=branch, expected_head=expected_head)

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Entries under editorial workflow."""
        with self._translated():
            return self.inner.list_unpublished()

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """One unpublished entry."""
        with self._translated():
            return self.inner.read_unpublished(collection, slug)

    def save_unpublished(
        self, collection: str, slug: str, changes: Sequence[FileChange], message: str, *, status: str | None = None
    ) -> CommitResult:
        """Commit to the entry's branch (branch and PR/MR as the host adapter makes them)."""
        with self._translated():
            return self.inner.save_unpublished(collection, slug, changes, message, status=status)

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Change an unpublished entry's status."""
        with self._translated():
            self.inner.set_status(collection, slug, status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the entry into the site's branch."""
        with self._translated():
            return self.inner.publish(collection, slug)

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Drop the entry's branch and PR/MR."""
        with self._translated():
            self.inner.delete_unpublished(collection, slug)

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """A deploy preview from the host's commit statuses."""
        with self._translated():
            return self.inner.deploy_preview(collection, slug)

    def close(self) -> None:
        """Release connections."""
        self.inner.close()
        self.http.client.close()
