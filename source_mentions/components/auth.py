"""Authenticators the 7.39 manifest cannot declare."""

from __future__ import annotations

import copy
import json
import time
from dataclasses import InitVar, dataclass, field, replace
from typing import Any, List, Mapping, Optional, Tuple

import dpath
import requests
from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.requesters.error_handlers.backoff_strategies import (
    ExponentialBackoffStrategy,
    WaitTimeFromHeaderBackoffStrategy,
)
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.datetime_helpers import AirbyteDateTime
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .cdk_adapter import AdaptedSingleUseRefreshAuthenticator
from .redirects import refuse_redirect_to_another_host
from .error_handlers import RetryBudget, RetryWait, describe_failure
from .sync_stop import SyncStop

MIN_REFRESH_READ_TIMEOUT_S = 60.0


@dataclass
class JsonRefreshTokenAuthenticator(AdaptedSingleUseRefreshAuthenticator):
    """Rotating refresh tokens (the CDK's single-use OAuth) whose refresh request is a JSON body.

    The 7.39 OAuthAuthenticator can only post a form body (its refresh request, `send_refresh_request`
    here, sends `data=build_refresh_request_body()`); Mentionlytics' public clients send
    `{"refresh_token": "..."}` as JSON. Expiry, the refresh lock, rotation and the CONTROL message
    stay the CDK's. A rejected refresh token (a reason from `refresh_token_error_values` under any
    of `refresh_token_error_keys`; the CDK reads only one key) is a config_error led by
    `refresh_rejected_hint`, where the provider hands out new tokens, and stops the sync
    (`sync_stop`, shared with every stream's requester by the factory): no refresh is sent again;
    so does a 404 from the refresh endpoint (a wrong address), followed by `refresh_not_found_hint`.

    The CONTROL message that hands the rotated tokens back carries `saved_config` (the config as
    the user gave it, set by the factory) with only the three token fields changed; the CDK's
    would carry the normalized config: filled-in defaults and `__airbyte_check_stream_names`.
    """

    config: Config = field(repr=False)
    token_refresh_endpoint: str
    access_token_config_path: List[str]
    refresh_token_config_path: List[str]
    token_expiry_date_config_path: List[str]
    parameters: InitVar[Mapping[str, Any]]
    refresh_token_name: str = "refresh_token"
    refresh_token_error_status_codes: List[int] = field(default_factory=list)
    refresh_token_error_keys: List[str] = field(default_factory=lambda: ["error"])
    refresh_token_error_values: List[str] = field(default_factory=list)
    refresh_rejected_hint: str = ""
    refresh_not_found_hint: str = ""
    sync_stop: SyncStop = field(default_factory=SyncStop, repr=False)
    saved_config: Optional[Config] = field(default=None, repr=False)
    # the requester's waits and budget, set by the factory (check: seconds; read: minutes)
    retry_wait: Optional[RetryWait] = field(default=None, repr=False)

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__init__(
            connector_config=self.config,
            token_refresh_endpoint=InterpolatedString.create(self.token_refresh_endpoint, parameters=parameters).eval(self.config),
            refresh_token_name=self.refresh_token_name,
            access_token_config_path=self.access_token_config_path,
            refresh_token_config_path=self.refresh_token_config_path,
            token_expiry_date_config_path=self.token_expiry_date_config_path,
            refresh_token_error_status_codes=tuple(self.refresh_token_error_status_codes),
            refresh_token_error_key=self.refresh_token_error_keys[0],
            refresh_token_error_values=tuple(self.refresh_token_error_values),
        )

    def build_refresh_request_body(self) -> str:  # type: ignore[override]
        """JSON text: `requests` sends a string passed as `data=` unchanged."""
        return json.dumps({self.get_refresh_token_name(): self.get_refresh_token()})

    def build_refresh_request_headers(self) -> Mapping[str, Any]:
        return {**(self.get_refresh_request_headers() or {}), "Content-Type": "application/json", "Accept": "application/json"}

    def set_refresh_token(self, new_refresh_token: str) -> None:
        add_to_secrets(new_refresh_token)  # masked in logs; the CONTROL message still carries it
        super().set_refresh_token(new_refresh_token)

    def refresh_access_token(self) -> Tuple[str, AirbyteDateTime, Optional[str]]:
        self.sync_stop.raise_if_stopped()  # a rejected refresh token stays rejected: no second call this sync
        try:
            return super().refresh_access_token()
        except (AirbyteTracedException, requests.HTTPError) as error:
            # the CDK wraps a rejection it recognises (by one key) and re-raises other 4xx as they came
            answer = error if isinstance(error, requests.HTTPError) else error.__cause__
            response = answer.response if isinstance(answer, requests.HTTPError) else None
            if response is not None and response.status_code == 404:
                self.sync_stop.stop(self._not_found())
                raise self.sync_stop.stopped() from error
            reason = self._rejection_reason(response)
            if reason is None:
                raise
            internal = error.internal_message if isinstance(error, AirbyteTracedException) else f"Refresh token rejected: {reason}"
            self.sync_stop.stop(self._rejected(f"the refresh endpoint answered {reason}", internal))
            raise self.sync_stop.stopped() from error

    def emit_rotated_tokens(self) -> None:
        """After a rotation: the user's config with the new tokens only."""
        if self.saved_config is None:
            super().emit_rotated_tokens()
            return
        config = copy.deepcopy(dict(self.saved_config))
        for path in (self.access_token_config_path, self.refresh_token_config_path, self.token_expiry_date_config_path):
            dpath.new(config, list(path), dpath.get(self.config, list(path)))
        emit_configuration_as_airbyte_control_message(config)

    def send_refresh_request(self) -> Any:
        """The refresh request within the requester's retry budget; a redirect to another host is refused.

        Replaces the CDK's request: in 7.39 it posts without a timeout (a silent server
        blocks forever), follows every redirect (a 307 re-posts the refresh token to any host) and
        retries for 300 s whatever the command. A 4xx other than 429 is raised as it came, for
        `refresh_access_token` to name a rejected token.
        """
        waits = replace(self.retry_wait or self._default_retry_wait(), sleep_padding_s=0.0)
        # The refresh token is single use: once the server has answered a refresh we stopped waiting
        # for, the token we hold is dead. So wait at least a minute (check excepted: it answers fast)
        # and never send a refresh again after a read timeout.
        budget = waits.budget
        read_timeout = max(budget.read_timeout_s, MIN_REFRESH_READ_TIMEOUT_S) if budget.retry_timeouts else budget.read_timeout_s
        attempt = 0
        while True:
            attempt += 1
            failure: Any
            try:
                response = requests.post(
                    self.get_token_refresh_endpoint(),  # type: ignore[arg-type]
                    data=self.build_refresh_request_body(),
                    headers=self.build_refresh_request_headers(),
                    params=self.build_refresh_request_query_params(),
                    timeout=(budget.connect_timeout_s, read_timeout),
                    hooks={"response": [refuse_redirect_to_another_host]},
                )
            except requests.ReadTimeout as error:
                raise AirbyteTracedException(
                    message=(
                        f"{describe_failure(error, read_timeout)}; the refresh is not sent again (the server may already have "
                        "used the refresh token: if the next sync reports it rejected, new tokens are needed)."
                    ),
                    failure_type=FailureType.transient_error,
                ) from error
            except (requests.ConnectionError, requests.Timeout) as error:
                failure = error
            else:
                if response.status_code != 429 and response.status_code < 500:
                    response.raise_for_status()
                    return self._refresh_answer(response)
                failure = response
            wait = waits.backoff_time(failure, attempt)  # raises once the budget is spent
            time.sleep(wait or 0.0)

    def _refresh_answer(self, response: requests.Response) -> Any:
        try:
            answer = response.json()
        except ValueError as error:
            raise AirbyteTracedException(
                message=f"The token refresh at {response.url.split('?')[0]} answered HTTP {response.status_code} without JSON.",
                failure_type=FailureType.system_error,
            ) from error
        token = answer.get(self.get_access_token_name()) if isinstance(answer, Mapping) else None
        if isinstance(token, str) and token:
            add_to_secrets(token)
        return answer

    def _default_retry_wait(self) -> RetryWait:
        """Outside the factory (a test building the authenticator): the read budget, Retry-After or 1, 2, 4 ... s."""
        strategies = [
            WaitTimeFromHeaderBackoffStrategy(header="Retry-After", parameters={}, config=self.config, max_waiting_time_in_seconds=600),
            ExponentialBackoffStrategy(parameters={}, config=self.config, factor=1, jitter_range_in_seconds=1),
        ]
        return RetryWait(strategies=strategies, max_retries=8, budget=RetryBudget.for_read(self.config))  # type: ignore[arg-type]

    def _rejected(self, detail: str, internal_message: Optional[str]) -> AirbyteTracedException:
        message = f"{self.refresh_rejected_hint} ({detail})" if self.refresh_rejected_hint else detail
        return AirbyteTracedException(message=message, internal_message=internal_message, failure_type=FailureType.config_error)

    def _not_found(self) -> AirbyteTracedException:
        message = f"The token refresh endpoint answered 404 (not found) for {self.get_token_refresh_endpoint()}."
        return AirbyteTracedException(
            message=f"{message} {self.refresh_not_found_hint}." if self.refresh_not_found_hint else message,
            internal_message="token refresh endpoint not found",
            failure_type=FailureType.config_error,
        )

    def _rejection_reason(self, response: Optional[requests.Response]) -> Optional[str]:
        """`HTTP 401 invalid_refresh_token` when the answer names a rejection under any of the error keys, else None."""
        if response is None or response.status_code not in self.refresh_token_error_status_codes:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if not isinstance(body, Mapping):
            return None
        for key in self.refresh_token_error_keys:
            if body.get(key) in self.refresh_token_error_values:
                return f"HTTP {response.status_code} {body[key]}"
        return None
