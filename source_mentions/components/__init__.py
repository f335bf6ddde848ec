"""Custom components, one module per kind: only what the 7.39 manifest language cannot declare.

The manifest names them as `source_mentions.components.<Class>`.
"""

from .auth import RefreshRejectionHint
from .extractors import BareOrDataListExtractor
from .factory import SourceMentionsComponentFactory
from .filters import UpToHeadRecordFilter
from .incremental import KeysetPageCursor, SinceIdCursor, StreamSinceIdCursor
from .paginators import KeysetPagination
from .progress import PROGRESS, ExplainedAPIBudget, ProgressRecordSelector, SyncProgress
from .retrievers import SinceIdStreamRetriever
from .transformations import AddLocalBucketDate, ReplaceWithFields
from .validation import StartDateNotInTheFuture

__all__ = [
    "PROGRESS",
    "AddLocalBucketDate",
    "BareOrDataListExtractor",
    "ExplainedAPIBudget",
    "KeysetPageCursor",
    "KeysetPagination",
    "ProgressRecordSelector",
    "RefreshRejectionHint",
    "ReplaceWithFields",
    "SinceIdCursor",
    "SinceIdStreamRetriever",
    "SourceMentionsComponentFactory",
    "StartDateNotInTheFuture",
    "StreamSinceIdCursor",
    "SyncProgress",
    "UpToHeadRecordFilter",
]
