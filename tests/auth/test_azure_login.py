"""Azure DevOps login as Decap's Azure page does it: implicit grant at Microsoft's authorize endpoint of the
config's tenant, for the Azure DevOps resource, with the app's `app_id` as client id."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from editor_app.auth.oauth import ImplicitFlow
from editor_app.auth.target import LoginTarget, target_from_config
from editor_app.hosts import AZURE_DEVOPS_RESOURCE

AZURE_CONFIG = {
    "backend": {"name": "azure", "repo": "garden/Website/site", "tenant_id": "contoso-tenant", "app_id": "azure-app"},
    "site_url": "https://site.example.org",
}


def test_azure_logs_in_by_implicit_grant_at_the_tenants_microsoft_authorize_page() -> None:
    target = target_from_config(AZURE_CONFIG)
    assert (target.backend, target.method, target.tenant_id, target.app_id) == (
        "azure", "implicit", "contoso-tenant", "azure-app")
    flow = ImplicitFlow(target)
    url = urlsplit(flow.authorize_url)
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "login.microsoftonline.com",
        "/contoso-tenant/oauth2/authorize",
    )
    query = dict(parse_qsl(url.query))
    assert query == {
        "client_id": "azure-app", "redirect_uri": "https://site.example.org/admin/", "response_type": "token",
        "scope": "vso.code_full,user.read", "resource": "499b84ac-1321-427f-aa17-267ca6975798",
        "prompt": "select_account", "state": json.dumps({"auth_type": "implicit", "nonce": flow.nonce}),
    }
    assert AZURE_DEVOPS_RESOURCE == query["resource"]


def test_azure_ignores_an_auth_type_and_still_uses_the_implicit_grant() -> None:
    assert LoginTarget(backend="azure", auth_type="pkce", tenant_id="t").method == "implicit"


def test_azure_without_a_tenant_id_says_what_is_missing() -> None:
    target = LoginTarget(backend="azure", app_id="azure-app", site_url="https://site.example.org")
    with pytest.raises(ValueError, match="tenant_id"):
        target.oauth_endpoints()


def test_azure_api_root_defaults_to_dev_azure_com() -> None:
    assert target_from_config(AZURE_CONFIG).api == "https://dev.azure.com"


def test_other_hosts_get_no_azure_parameters() -> None:
    target = LoginTarget(backend="gitlab", auth_type="implicit", app_id="gl", site_url="https://s.org")
    assert target.authorize_extras() == {}
    assert "resource" not in dict(parse_qsl(urlsplit(ImplicitFlow(target).authorize_url).query))


def test_azure_implicit_login_takes_the_token_from_the_fragment(server) -> None:  # type: ignore[no-untyped-def]
    # The fake provider answers Microsoft's tenant path like its own authorize page.
    server._route_get_contoso_oauth2_authorize = server._route_get_oauth_authorize
    target = LoginTarget(backend="azure", app_id=server.client_id, tenant_id="contoso", base_url=server.base_url,
                         site_url=server.base_url)
    flow = ImplicitFlow(target)
    with httpx.Client(timeout=5) as client:
        response = client.get(flow.authorize_url)
    assert response.status_code == 302
    token = flow.complete(response.headers["Location"])
    assert token.access_token == server.issued[-1] and token.refresh_token is None
    (asked,) = [r for r in server.requests if r.path == "/contoso/oauth2/authorize"]
    assert asked.query["resource"] == AZURE_DEVOPS_RESOURCE and asked.query["prompt"] == "select_account"


def test_the_login_service_drives_azure_through_the_embedded_browsers_implicit_flow() -> None:
    from editor_app.auth.service import LoginService
    from editor_app.auth.token_store import TokenStore

    with httpx.Client() as client:
        flow = LoginService(TokenStore(), client).browser_flow(target_from_config(AZURE_CONFIG))
    assert isinstance(flow, ImplicitFlow)
    assert flow.authorize_url.startswith("https://login.microsoftonline.com/contoso-tenant/oauth2/authorize?")
