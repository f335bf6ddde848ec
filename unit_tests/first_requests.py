"""Each provider's first request (what `check` reads) with a config, an answer it accepts and its credential."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List

from .builders import provider_config


@dataclass
class FirstRequest:
    provider: str
    stream: str
    method: str
    url: str
    ok: Dict[str, Any]  # requests-mock response arguments of an accepted answer
    config: Callable[[], Dict[str, Any]]
    secret: str  # the credential's value: it must never reach another host

    def credentials_in(self, request: Any) -> List[str]:
        """Where the credential appears in a recorded request: header names, or "body"."""
        found = [name for name, value in request.headers.items() if self.secret in str(value)]
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        return found + (["body"] if self.secret in body else [])


FIRST_REQUESTS = {
    "mention": FirstRequest(
        "mention", "accounts", "GET", "https://api.mention.test/api/accounts/me", {"json": {"account": {"id": "acc_9", "name": "Test"}}},
        lambda: provider_config("mention", access_token="unit-mention-token-1", api_url="https://api.mention.test/api"),
        "unit-mention-token-1",
    ),
    # no Project IDs: mentions are read per listed project, so the project list comes first
    "sociovite": FirstRequest(
        "sociovite", "projects", "GET", "https://sociovite.test/api/project", {"json": {"projects": [{"id": "kw-1", "name": "One"}]}},
        lambda: provider_config("sociovite", access_token="unit-sociovite-token-2", api_url="https://sociovite.test/api"),
        "unit-sociovite-token-2",
    ),
    "mentionlab": FirstRequest(
        "mentionlab", "projects", "GET", "https://mentionlab.test/api/projects/list", {"json": [{"id": "p-1", "name": "One"}]},
        lambda: provider_config("mentionlab", api_key="ml_live_unit_key_3", api_url="https://mentionlab.test"),
        "ml_live_unit_key_3",
    ),
    # a bearer that has not expired: the first request is the mentions read, not the token refresh
    "mentionlytics": FirstRequest(
        "mentionlytics", "mentions", "GET", "https://mly.test/v2/mentions", {"json": {"mentions": [], "results_after": None}},
        lambda: {**provider_config("mentionlytics", start_date="2026-11-30T00:00:00Z", bearer_token="unit-mly-bearer-4", refresh_token="unit-mly-refresh-4",
                                   token_expiry_date="2099-01-01T00:00:00Z", api_url="https://mly.test/v2"), "num_workers": 1},
        "unit-mly-bearer-4",
    ),
}  # fmt: skip
