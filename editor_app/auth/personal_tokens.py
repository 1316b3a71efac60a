"""Personal access tokens: validate a pasted token against its host and name precisely what is missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from editor_app.auth.target import LoginTarget
from editor_app.auth.tokens import Token
from editor_app.errors import AuthError, NetworkError


@dataclass(frozen=True)
class TokenCheck:
    """Who the token belongs to and which scopes it carries (when the host says)."""

    user: str
    scopes: tuple[str, ...]


def _get(client: httpx.Client, url: str, headers: dict[str, str], what: str) -> httpx.Response:
    try:
        response = client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise NetworkError(f"could not reach {url} to check the token: {type(exc).__name__}") from None
    if response.status_code == 401:
        raise AuthError(f"the token was refused by {url} ({what}): it is wrong, expired or revoked")
    return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def validate_personal_token(target: LoginTarget, secret: str, client: httpx.Client) -> TokenCheck:
    """Check `secret` for `target`'s host; raise AuthError saying exactly what is wrong or missing."""
    secret = secret.strip()
    if not secret:
        raise AuthError("paste a personal access token first")
    api = target.api
    backend = target.backend
    if backend == "github":
        response = _get(client, f"{api}/user", {"Authorization": f"token {secret}"}, "GitHub user")
        header = response.headers.get("X-OAuth-Scopes")
        scopes = tuple(s.strip() for s in (header or "").split(",") if s.strip())
        login = str(_json(response).get("login", ""))
        if header is not None:  # fine-grained tokens have no scope header; their permission shows on the repo
            if not {"repo", "public_repo"} & set(scopes):
                raise AuthError(
                    f"the GitHub token of {login} lacks the scope 'repo' (or 'public_repo' for public repositories); "
                    f"it has: {', '.join(scopes) or 'no scopes'}"
                )
        _check_repo_push(client, f"{api}/repos/{target.repo}", {"Authorization": f"token {secret}"}, target, login)
        return TokenCheck(login, scopes)
    if backend == "gitlab":
        headers = {"Authorization": f"Bearer {secret}"}
        response = _get(client, f"{api}/personal_access_tokens/self", headers, "GitLab token")
        data = _json(response)
        scopes = tuple(data.get("scopes") or ())
        if data.get("revoked") or data.get("active") is False:
            raise AuthError("the GitLab token is revoked or expired")
        if "api" not in scopes:
            raise AuthError(f"the GitLab token lacks the scope 'api'; it has: {', '.join(scopes) or 'no scopes'}")
        user = _json(_get(client, f"{api}/user", headers, "GitLab user"))
        login = str(user.get("username", ""))
        if target.repo:
            project = _get(client, f"{api}/projects/{quote(target.repo, safe='')}", headers, "GitLab project")
            if project.status_code == 404:
                raise AuthError(f"{login} cannot see the GitLab project {target.repo}")
            access = (_json(project).get("permissions") or {})
            levels = [((access.get(k) or {}).get("access_level") or 0) for k in ("project_access", "group_access")]
            if max(levels) < 30:
                raise AuthError(f"{login} has no write (Developer) access to the GitLab project {target.repo}")
        return TokenCheck(login, scopes)
    if backend == "bitbucket":
        # App passwords go as user:password; "user:app-password" pasted in one field.
        if ":" in secret:
            user_part, password = secret.split(":", 1)
            auth: httpx.Auth | None = httpx.BasicAuth(user_part, password)
            headers = {}
        else:
            auth, headers = None, {"Authorization": f"Bearer {secret}"}
        try:
            response = (
                client.get(f"{api}/user", headers=headers, auth=auth)
                if auth
                else _get(client, f"{api}/user", headers, "Bitbucket user")
            )
        except httpx.HTTPError as exc:
            raise NetworkError(f"could not reach {api}/user: {type(exc).__name__}") from None
        if response.status_code == 401:
            raise AuthError("Bitbucket refused the token or app password: wrong, expired or revoked")
        login = str(_json(response).get("username") or _json(response).get("nickname") or "")
        scopes_header = response.headers.get("X-OAuth-Scopes") or ""
        scopes = tuple(s.strip() for s in scopes_header.replace(",", " ").split() if s.strip())
        if target.repo:
            query = quote(f'repository.full_name="{target.repo}"')
            url = f"{api}/user/permissions/repositories?q={query}"
            try:
                perms = client.get(url, headers=headers, auth=auth) if auth else client.get(url, headers=headers)
            except httpx.HTTPError as exc:
                raise NetworkError(f"could not reach {api}: {type(exc).__name__}") from None
            values = _json(perms).get("values") or []
            permission = values[0].get("permission") if values else None
            if permission not in ("write", "admin"):
                raise AuthError(
                    f"{login} has no write permission on the Bitbucket repository {target.repo} "
                    f"({permission or 'no access'})"
                )
        return TokenCheck(login, scopes)
    if backend == "gitea":
        headers = {"Authorization": f"token {secret}"}
        login = str(_json(_get(client, f"{api}/user", headers, "Gitea user")).get("login", ""))
        _check_repo_push(client, f"{api}/repos/{target.repo}", headers, target, login)
        return TokenCheck(login, ())
    raise AuthError(f"backend {backend!r} does not log in with a personal access token")


def _check_repo_push(client: httpx.Client, url: str, headers: dict[str, str], target: LoginTarget, login: str) -> None:
    if not target.repo:
        return
    response = _get(client, url, headers, "repository")
    if response.status_code == 404:
        raise AuthError(
            f"{login} cannot see the repository {target.repo} with this token (private repository or wrong name?)"
        )
    permissions = _json(response).get("permissions") or {}
    if not (permissions.get("push") or permissions.get("admin")):
        raise AuthError(f"{login} has no push permission on {target.repo}")


def personal_token(secret: str, check: TokenCheck) -> Token:
    """The Token stored for a validated personal access token (no expiry known)."""
    return Token(access_token=secret.strip(), scopes=check.scopes, method="pat")
