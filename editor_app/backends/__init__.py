"""Git host adapters behind one interface (`base.Backend`), registered in one literal mapping.

The mapping goes from the config's `backend.name` to the adapter class. It is a literal dict, not
loaded by name, so PyInstaller needs no hidden imports. Adapters are added here as they land.
"""

from __future__ import annotations

from editor_app.backends.aws_cognito_github_proxy import AwsCognitoGitHubProxyBackend
from editor_app.backends.azure import AzureBackend
from editor_app.backends.base import Backend
from editor_app.backends.bitbucket import BitbucketBackend
from editor_app.backends.git_gateway import GitGatewayBackend
from editor_app.backends.gitea import GiteaBackend
from editor_app.backends.github import GitHubBackend
from editor_app.backends.gitlab import GitLabBackend
from editor_app.backends.local import LocalBackend
from editor_app.backends.proxy import ProxyBackend
from editor_app.backends.test_repo import TestRepoBackend

BACKENDS: dict[str, type[Backend]] = {
    "test-repo": TestRepoBackend,
    "local": LocalBackend,
    "github": GitHubBackend,
    "gitlab": GitLabBackend,
    "bitbucket": BitbucketBackend,
    "gitea": GiteaBackend,
    "proxy": ProxyBackend,
    "aws-cognito-github-proxy": AwsCognitoGitHubProxyBackend,
    "azure": AzureBackend,
    # Git Gateway wraps the adapter of the host behind it; they are handed in here, not imported there.
    "git-gateway": GitGatewayBackend.over(
        {"github": GitHubBackend, "gitlab": GitLabBackend, "bitbucket": BitbucketBackend}
    ),
}
