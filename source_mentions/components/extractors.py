"""Record extractors for answer shapes one DpathExtractor path cannot describe."""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping

import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


@dataclass
class BareOrDataListExtractor(RecordExtractor):
    """The items of a bare JSON array, or of the `data` list of a `{"data": [...]}` envelope.

    A DpathExtractor follows one path; the CDK's ways of trying two (CombinedExtractor,
    RecordExpander with emit_parent) emit an empty envelope as a record of its own. Any other
    answer fails with its keys named, so a changed contract is not read as "no records".
    """

    parameters: InitVar[Mapping[str, Any]]
    field_name: str = "data"

    def extract_records(self, response: requests.Response) -> Iterable[Mapping[str, Any]]:
        body = response.json()
        if isinstance(body, Mapping) and isinstance(body.get(self.field_name), list):
            body = body[self.field_name]
        if not isinstance(body, list):
            keys = sorted(body) if isinstance(body, Mapping) else type(body).__name__
            raise AirbyteTracedException(
                message=f"The API answered {response.request.method} {response.request.path_url} with neither a list nor a `{self.field_name}` list.",
                internal_message=f"answer keys or type: {keys}",
                failure_type=FailureType.system_error,
            )
        yield from body
