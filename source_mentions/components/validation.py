"""Config checks a JSON schema cannot make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytz  # airbyte-cdk dependency; its tz list is the one the CDK macros load

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.validators.validation_strategy import ValidationStrategy
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


@dataclass
class StartDateNotInTheFuture(ValidationStrategy):
    """Rejects a start_date after now: the JSON schema can check its format but not compare it with today."""

    def validate(self, value: Any) -> None:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise AirbyteTracedException(
                message=f"Start Date {value} is not a valid date and time: use YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-01-01T00:00:00Z.",
                internal_message="start_date does not parse",
                failure_type=FailureType.config_error,
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        if moment > datetime.now(ZoneInfo("UTC")):
            raise AirbyteTracedException(
                message=f"Start Date {value} is in the future: set it to a date in the past (or leave it empty for 30 days ago).",
                internal_message="start_date in the future",
                failure_type=FailureType.config_error,
            )


@dataclass
class IanaTimezoneName(ValidationStrategy):
    """Rejects a timezone that is not an IANA name: the JSON schema cannot hold the tz database's list.

    Checked against pytz's list, the one the CDK's `today_with_timezone` macro (used by the
    manifest) loads.
    """

    field_title: str = "Timezone"

    def validate(self, value: Any) -> None:
        if value not in pytz.all_timezones_set:
            raise AirbyteTracedException(
                message=(
                    f"{self.field_title} {value!r} is not an IANA timezone name: use Area/City as in the tz database, "
                    "e.g. Europe/Brussels or America/New_York (or UTC)."
                ),
                internal_message="timezone is not an IANA name",
                failure_type=FailureType.config_error,
            )
