"""The source: the declarative manifest plus the one factory hook it needs."""

import copy
import logging
from contextlib import contextmanager
from typing import Any, Iterator, List, Mapping, Optional

from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog, Status, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .components import ConfiguredIds, RetryLineFilter, SourceMentionsComponentFactory, register_manifest_filters
from .components.cdk_adapter import PackagedManifestSource, set_record_queue_size

# Records waiting between the reading threads and the main thread. The CDK fixes this queue at
# 10,000 records, so on large syncs peak memory grew with the sync (1.105x from 20,000 to 200,000
# mentions before this cap); two pages of the largest page size cost no throughput. With the
# allocator settings of allocator.py, 500 or 1,000 measured no clear difference (within the runs' noise).
RECORD_QUEUE_SIZE = 2_000

# Per provider: the config list of ids a sync reads, and the manifest stream listing what exists.
# Mentionlytics' trackers have no documented listing.
CONFIGURED_IDS = {
    "mention": ConfiguredIds("Mention", "alert_ids", "Alert IDs", "alert", listing="mention/streams/alerts"),
    "mentionlab": ConfiguredIds("Mentionlab", "project_ids", "Project IDs", "project", listing="mentionlab/streams/projects"),
    # GET /project is documented (API-REFERENCE.md §4.3) but has not been seen answering; with no
    # Project IDs, mentions are read per listed project, or unfiltered when none is listed
    # (manifest: sociovite/partition_routers)
    "sociovite": ConfiguredIds("Sociovite", "project_ids", "Project IDs", "project", listing="sociovite/streams/projects", empty_listing_proves_unknown=False),
}


class SourceMentions(PackagedManifestSource):
    """Mention-monitoring APIs as Airbyte streams, described by manifest.yaml."""

    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        config_path: Optional[str] = None,
    ) -> None:
        # taken before the CDK fills defaults into the config's nested objects (in place): a rotated
        # token is handed back in the config as the user gave it (JsonRefreshTokenAuthenticator)
        user_config = copy.deepcopy(dict(config)) if config is not None else None
        register_manifest_filters()  # the manifest's `| path_segment`: the CDK's Jinja environment is the only place for it
        super().__init__(path_to_yaml="manifest.yaml", catalog=catalog, config=config, state=state, config_path=config_path)
        # the sync's stop, skipped-record counts and progress: on this source's factory, not shared with another source
        self.factory = SourceMentionsComponentFactory.of_source(self, user_config=user_config)
        self.retry_line_filter = RetryLineFilter()
        set_record_queue_size(self, RECORD_QUEUE_SIZE)

    @contextmanager
    def _retry_lines_told_apart(self) -> Iterator[None]:
        """While this source runs a command, the CDK's retry line (the same words for every cause) is dropped: RetryWait logs the real one.

        The CDK logs it on the process-wide `airbyte` logger; the filter is there only while this source runs.
        """
        airbyte_logger = logging.getLogger("airbyte")
        airbyte_logger.addFilter(self.retry_line_filter)
        try:
            yield
        finally:
            airbyte_logger.removeFilter(self.retry_line_filter)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        """The CDK's read, ended by the first failure no stream can get past, and totals of skipped records.

        After a stop (components.sync_stop), the partitions still queued end without a request; their
        messages are dropped (logs excepted) and the sync ends with that one error.
        """
        factory = self.factory
        stop = factory.sync_stop
        with self._retry_lines_told_apart():
            self._verify_configured_ids(config)  # an unknown configured id, or none listed to default to: a config_error, not an empty sync
            try:
                for message in super().read(logger, config, catalog, state):
                    if stop.error is None or message.type == Type.LOG:
                        yield message
            except AirbyteTracedException:
                if stop.error is None:
                    raise  # the CDK's summary of failed streams: not a stop
            finally:
                for line in factory.skipped_records.summary() + factory.kept_as_sent.summary():
                    logger.warning(line)
        if stop.error is not None:
            raise stop.final_error()

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """The manifest's CheckStream (FAILED with the stop's message if the sync was stopped), then every configured id.

        CheckStream passes once one page reads without error, even an empty one, so an alert id that
        matches nothing passed. The 7.39 manifest takes no custom `check` component (CheckStream or
        CheckDynamicStream only): the ids are verified here, by the streams that list them.
        Both build their streams with check's short retry budget: FAILED within seconds on an
        unreachable host (components.error_handlers).
        """
        with self.factory.checking(), self._retry_lines_told_apart():
            status = super().check(logger, config)
            stop = self.factory.sync_stop
            if stop.error is not None:
                return AirbyteConnectionStatus(status=Status.FAILED, message=stop.error.message)
            if status.status != Status.SUCCEEDED:
                return status
            try:
                self._verify_configured_ids(config)
            except AirbyteTracedException as problem:
                return AirbyteConnectionStatus(status=Status.FAILED, message=problem.message)
            return status

    def _verify_configured_ids(self, config: Mapping[str, Any]) -> None:
        provider = config.get("provider")
        ids = CONFIGURED_IDS.get(provider.get("provider_type", "mention")) if isinstance(provider, Mapping) else None
        if ids is None or not ids.needs_listing(config):
            return
        definition = self.resolved_manifest["definitions"]
        for part in ids.listing.split("/"):
            definition = definition[part]
        try:
            ids.verify(self.factory.create_stream(definition, config), config)
        except AirbyteTracedException:
            if self.factory.sync_stop.error is not None:
                raise self.factory.sync_stop.final_error() from None  # the listing got no answer because the sync was stopped
            raise
