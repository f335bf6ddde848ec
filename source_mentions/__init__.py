"""source-mentions: an Airbyte source for mention-monitoring APIs.

`SourceMentions` is the name Airbyte's test runner (`airbyte-cdk connector test`) imports from
`source_mentions`. It is loaded on first use, so `python -m source_mentions.sandbox` does not
import the connector or the CDK.
"""

from typing import Any

__all__ = ["SourceMentions"]


def __getattr__(name: str) -> Any:
    if name == "SourceMentions":
        from .source import SourceMentions

        return SourceMentions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
