"""Error handlers the 7.39 manifest cannot declare."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Optional, Union

import requests
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

logger = logging.getLogger("airbyte")


@dataclass
class WarnWhenSkippedErrorHandler(DefaultErrorHandler):
    """A DefaultErrorHandler that logs every answer it skips (IGNORE) at WARN.

    The CDK logs an ignored answer at INFO, among routine lines; a skipped answer is a partition
    whose records this sync does not read (an alert deleted mid-sync), so the user must see it.
    """

    def interpret_response(self, response_or_exception: Optional[Union[requests.Response, Exception]] = None) -> ErrorResolution:
        resolution = super().interpret_response(response_or_exception)
        if resolution.response_action != ResponseAction.IGNORE:
            return resolution
        logger.warning(resolution.error_message or f"Skipped an answer: {response_or_exception}")
        return replace(resolution, error_message=None)  # the CDK's own INFO line then names the request, not this text again
