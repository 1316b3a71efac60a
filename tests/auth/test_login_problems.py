"""What stops a login is found from the config before anything is sent; unreachable servers are named."""

from __future__ import annotations

import httpx

from editor_app.auth.network import unreachable
from editor_app.auth.target import LoginTarget, login_problems


def test_netlifys_popup_without_a_site_domain_asks_for_one():
    (problem,) = login_problems(LoginTarget(backend="github", site="/s/config.yml", repo="o/r"))
    assert problem.asks_site_domain and "domain" in problem.what
    assert login_problems(LoginTarget(backend="github", site="/s/config.yml", repo="o/r", site_domain="g.org")) == []
    assert login_problems(LoginTarget(backend="github", site="x", site_url="https://g.org")) == []


def test_an_own_auth_server_needs_no_site_domain():
    assert login_problems(LoginTarget(backend="github", site="x", base_url="https://auth.g.org")) == []


def test_implicit_and_pkce_logins_without_an_app_id_say_which_setting_to_add():
    problems = login_problems(LoginTarget(backend="gitlab", site="x", auth_type="pkce", site_url="https://g.org"))
    assert [p.fix for p in problems if "app_id" in p.fix]
    assert not any(p.asks_site_domain for p in problems)


def test_git_gateway_without_the_sites_address_is_named():
    (problem,) = login_problems(LoginTarget(backend="git-gateway", site="x"))
    assert "site_url" in problem.fix


def test_an_unreachable_server_is_named_in_words():
    error = unreachable("https://api.netlify.com/auth", httpx.ConnectError("[Errno 111] Connection refused"))
    assert str(error).startswith("could not connect to api.netlify.com. Check the internet connection")
    late = unreachable("https://gitlab.com/oauth/token", httpx.ReadTimeout("timed out"))
    assert str(late).startswith("gitlab.com did not answer in time")
