"""`path_segment`, a Jinja filter for the manifest's URLs: any value becomes exactly one path segment.

The manifest language cannot do it. Jinja's `urlencode` keeps `/`, and a segment that is only
dots cannot be escaped at all: requests turns `%2E%2E` back into `..`, which a server (or requests
itself) resolves by climbing one level. So an id from the config or from an answer could make the
connector request another resource (`account_id` `../../x` would request `GET /x`).

7.39 has no public way to add a filter: cdk_adapter.register_jinja_filter adds it to the
environment the CDK renders every manifest template with (a private name, pinned by
unit_tests/test_cdk_adapter.py). That is the one change this package makes outside itself: made by
each SourceMentions as it is built (`register_manifest_filters`), not on import; the filter is a
pure function, so sources in one process share nothing through it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .cdk_adapter import register_jinja_filter

DOT_SEGMENTS = (".", "..")


def path_segment(value: Any) -> str:
    """`value` percent-encoded with no safe character (`/`, `?`, `#`, `%` included); an empty or dot-only value fails."""
    text = "" if value is None else str(value)
    if not text or text in DOT_SEGMENTS:
        raise AirbyteTracedException(
            message=(
                f"The id {text!r} cannot be put in a URL path: an empty or dot-only segment would point at another resource. "
                "Check the ids in the source's settings; if the id came from the API's answer, the API answered an invalid id."
            ),
            internal_message=f"path_segment refused {text!r}",
            failure_type=FailureType.system_error,
        )
    return quote(text, safe="")


MANIFEST_FILTERS = {"path_segment": path_segment}


def register_manifest_filters() -> None:
    """Makes the manifest's own Jinja filters available to its templates (idempotent)."""
    for name, function in MANIFEST_FILTERS.items():
        register_jinja_filter(name, function)
