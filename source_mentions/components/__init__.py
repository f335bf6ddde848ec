"""Custom components, one module per kind: only what the 7.39 manifest language cannot declare.

The manifest names them as `source_mentions.components.<Class>`.
"""

from .auth import JsonRefreshTokenAuthenticator
from .extractors import BareOrDataListExtractor, NumericTotalsExtractor, StatsPerIntervalExtractor
from .factory import SourceMentionsComponentFactory
from .filters import UpToHeadRecordFilter
from .incremental import KeysetPageCursor, SinceIdCursor, StreamSinceIdCursor
from .pagination import KeysetPagination
from .progress import PROGRESS, ExplainedAPIBudget, ProgressRecordSelector, SyncProgress
from .redirects import refuse_redirect_to_another_host
from .retries import RETRY_LINE_FILTER, RetryBudget, RetryLineFilter, RetryWait
from .retrievers import SinceIdStreamRetriever
from .transformations import AddLocalBucketDate, AddParsedDateTime, ReplaceWithFields
from .validation import IanaTimezoneName, StartDateNotInTheFuture

__all__ = [
    "PROGRESS",
    "RETRY_LINE_FILTER",
    "AddLocalBucketDate",
    "AddParsedDateTime",
    "BareOrDataListExtractor",
    "ExplainedAPIBudget",
    "IanaTimezoneName",
    "JsonRefreshTokenAuthenticator",
    "KeysetPageCursor",
    "KeysetPagination",
    "NumericTotalsExtractor",
    "ProgressRecordSelector",
    "ReplaceWithFields",
    "RetryBudget",
    "RetryLineFilter",
    "RetryWait",
    "SinceIdCursor",
    "SinceIdStreamRetriever",
    "SourceMentionsComponentFactory",
    "StartDateNotInTheFuture",
    "StatsPerIntervalExtractor",
    "StreamSinceIdCursor",
    "SyncProgress",
    "UpToHeadRecordFilter",
    "refuse_redirect_to_another_host",
]
