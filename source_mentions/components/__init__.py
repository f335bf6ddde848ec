"""Custom components, one module per kind: only what the 7.39 manifest language cannot declare.

The manifest names them as `source_mentions.components.<Class>`; what the factory adds to every
stream is listed in factory.STREAM_POLICIES. Importing this package changes nothing global.
"""

from .api_budget import ExplainedAPIBudget
from .cdk_adapter import NewPartitionsFromStartCursor
from .auth import JsonRefreshTokenAuthenticator
from .configured_ids import ConfiguredIds
from .cursors import CursorContext, KeysetPageCursor, ParentStateCursor, PartitionStateCursor, SinceIdCursor, StreamSinceIdCursor
from .error_handlers import RetryBudget, RetryLineFilter, RetryWait, WarnWhenSkippedErrorHandler
from .extractors import BareOrDataListExtractor, KeyPathExtractor, NumericTotalsExtractor, StatsPerIntervalExtractor
from .factory import STREAM_POLICIES, SourceMentionsComponentFactory
from .interpolation import path_segment, register_manifest_filters
from .normalization import KeptAsSent, SchemaTypes
from .paging import KeysetPagination, RepeatedPageGuard
from .partition_routers import ConfiguredOrListedPartitionRouter, ListedOrAllPartitionRouter
from .parsed_bodies import ParsedBodies, ParsedBodyDecoder, UnreadableBodyFilter
from .progress import SyncProgress
from .record_selection import ProgressRecordSelector, RequiredFields, SkippedRecords, UpToHeadRecordFilter
from .redirects import refuse_redirect_to_another_host
from .retrievers import HeadFirstRetriever, SinceIdStreamRetriever
from .sync_stop import StoppingHttpRequester, SyncStop, SyncStopped
from .transformations import AddLocalBucketDate, AddParsedDateTime, ReplaceWithFields
from .validation import IanaTimezoneName, StartDateNotInTheFuture

__all__ = [
    "STREAM_POLICIES",
    "AddLocalBucketDate",
    "AddParsedDateTime",
    "BareOrDataListExtractor",
    "ConfiguredIds",
    "CursorContext",
    "ExplainedAPIBudget",
    "HeadFirstRetriever",
    "IanaTimezoneName",
    "JsonRefreshTokenAuthenticator",
    "KeptAsSent",
    "KeyPathExtractor",
    "KeysetPageCursor",
    "KeysetPagination",
    "ConfiguredOrListedPartitionRouter",
    "ListedOrAllPartitionRouter",
    "NewPartitionsFromStartCursor",
    "NumericTotalsExtractor",
    "ParentStateCursor",
    "ParsedBodies",
    "ParsedBodyDecoder",
    "PartitionStateCursor",
    "ProgressRecordSelector",
    "RepeatedPageGuard",
    "ReplaceWithFields",
    "RequiredFields",
    "RetryBudget",
    "RetryLineFilter",
    "RetryWait",
    "SchemaTypes",
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
    "UnreadableBodyFilter",
    "UpToHeadRecordFilter",
    "WarnWhenSkippedErrorHandler",
    "path_segment",
    "refuse_redirect_to_another_host",
    "register_manifest_filters",
]
