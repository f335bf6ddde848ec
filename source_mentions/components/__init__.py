"""Custom components, one module per kind: only what the 7.39 manifest language cannot declare.

The manifest names them as `source_mentions.components.<Class>`.
"""

from .auth import JsonRefreshTokenAuthenticator
from .configured_ids import ConfiguredIds
from .errors import WarnWhenSkippedErrorHandler
from .extractors import BareOrDataListExtractor, KeyPathExtractor, NumericTotalsExtractor, StatsPerIntervalExtractor
from .factory import SourceMentionsComponentFactory
from .filters import UpToHeadRecordFilter
from .incremental import KeysetPageCursor, ParentStateCursor, SinceIdCursor, StreamSinceIdCursor
from .interpolation import path_segment  # also registers the manifest's `path_segment` filter
from .pagination import KeysetPagination
from .paginators import RepeatedPageGuard
from .progress import PROGRESS, ExplainedAPIBudget, ProgressRecordSelector, SyncProgress
from .records import RequiredFields, SkippedRecords
from .redirects import refuse_redirect_to_another_host
from .retries import RETRY_LINE_FILTER, RetryBudget, RetryLineFilter, RetryWait
from .retrievers import HeadFirstRetriever, SinceIdStreamRetriever
from .stop import StoppingHttpRequester, SyncStop, SyncStopped
from .transformations import AddLocalBucketDate, AddParsedDateTime, ReplaceWithFields
from .validation import IanaTimezoneName, StartDateNotInTheFuture

__all__ = [
    "PROGRESS",
    "RETRY_LINE_FILTER",
    "AddLocalBucketDate",
    "AddParsedDateTime",
    "BareOrDataListExtractor",
    "ConfiguredIds",
    "ExplainedAPIBudget",
    "IanaTimezoneName",
    "JsonRefreshTokenAuthenticator",
    "KeysetPageCursor",
    "KeysetPagination",
    "NumericTotalsExtractor",
    "ParentStateCursor",
    "ProgressRecordSelector",
    "RepeatedPageGuard",
    "ReplaceWithFields",
    "RequiredFields",
    "RetryBudget",
    "RetryLineFilter",
    "RetryWait",
    "SinceIdCursor",
    "SinceIdStreamRetriever",
    "SkippedRecords",
    "SourceMentionsComponentFactory",
    "StartDateNotInTheFuture",
    "StatsPerIntervalExtractor",
    "StoppingHttpRequester",
    "StreamSinceIdCursor",
    "SyncProgress",
    "SyncStop",
    "SyncStopped",
    "UpToHeadRecordFilter",
    "HeadFirstRetriever",
    "KeyPathExtractor",
    "WarnWhenSkippedErrorHandler",
    "path_segment",
    "refuse_redirect_to_another_host",
]
