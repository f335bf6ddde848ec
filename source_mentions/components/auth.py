"""Authenticator additions: the provider's own advice when a refresh token is rejected."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


class RefreshRejectionHint:
    """Puts the provider's own advice in front of the CDK's message for a rejected refresh token.

    The CDK's text ("re-authenticate this source's credentials") cannot be set from the
    manifest; a user of a provider without OAuth consent screens needs to know where new tokens
    come from. Mixed into the authenticator's class by SourceMentionsComponentFactory.
    """

    refresh_rejected_hint: str = ""

    def refresh_access_token(self) -> Any:
        try:
            return super().refresh_access_token()  # type: ignore[misc]
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error and self.refresh_rejected_hint:
                error.message = f"{self.refresh_rejected_hint} ({error.message})"
            raise
