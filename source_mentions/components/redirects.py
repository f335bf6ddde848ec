"""Credentials stay on their host: a redirect to another host ends the request with a config error.

`requests` drops `Authorization` on a cross-host redirect but sends every other header on, so
Mentionlab's `x-api-key` would reach the new host; a 307/308 would also carry a refresh token in
its body. Refusing is clearer than dropping the key: the other host would answer 401 and the user
would be told the key is wrong, when the URL is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from requests.sessions import SessionRedirectMixin

from .cdk_adapter import requester_session

# requests' own rule for "another host" (it strips Authorization exactly there): another host name,
# another port, or https to http; http to https on the default ports stays the same host.
_REDIRECT_RULE = SessionRedirectMixin()


def refuse_redirect_to_another_host(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """A `requests` response hook: it sees each redirect before it is followed."""
    if not response.is_redirect:
        return response
    target = urljoin(response.url, response.headers["location"])
    if not _REDIRECT_RULE.should_strip_auth(response.url, target):
        return response
    here, there = _origin(response.url), _origin(target)
    method = response.request.method if response.request is not None else "GET"
    raise AirbyteTracedException(
        message=(
            f"{here} answered HTTP {response.status_code} redirecting to {there}. The connector does not send "
            f"credentials to another host: if {there} is the right server, set the source's URL to it."
        ),
        internal_message=f"refused redirect of {method} {here}{urlsplit(response.url).path} to {there}",
        failure_type=FailureType.config_error,
    )


def keep_credentials_on_their_host(requester: HttpRequester) -> None:
    """Install the hook on the requester's session.

    CDK 7.39 has no public handle on the session a requester sends with (cdk_adapter.requester_session).
    """
    hooks = requester_session(requester).hooks["response"]
    if refuse_redirect_to_another_host not in hooks:
        hooks.append(refuse_redirect_to_another_host)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
