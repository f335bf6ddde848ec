"""The API budget's waits explained at INFO."""

from __future__ import annotations

import logging
import time
from typing import Any, Optional

from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget

logger = logging.getLogger("airbyte")


class ExplainedAPIBudget(HttpAPIBudget):
    """The CDK's API budget, plus an INFO line whenever it holds a request back (the CDK logs that at DEBUG only)."""

    def acquire_call(self, request: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        started = time.monotonic()
        super().acquire_call(request, block=block, timeout=timeout)
        waited = time.monotonic() - started
        if waited >= 0.5:
            path = getattr(request, "path_url", None) or getattr(request, "url", "")
            logger.info(f"rate limit: waited {waited:.1f} s before {path} to stay within the provider's published request rate (API budget)")
