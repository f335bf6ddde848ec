"""The source: the declarative manifest plus the one factory hook it needs."""

import logging
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

from .components import PROGRESS, RETRY_LINE_FILTER, SourceMentionsComponentFactory

# Records waiting between the reading threads and the main thread. The CDK fixes this queue at
# 10,000 records, so on large syncs peak memory grew with the sync (1.105x from 20,000 to 200,000
# mentions before this cap); two pages of the largest page size keep it flat at the same throughput
# (within the 1.10 target; figures in benchmarks/results.md).
RECORD_QUEUE_SIZE = 2_000


class SourceMentions(YamlDeclarativeSource):
    """Mention-monitoring APIs as Airbyte streams, described by manifest.yaml."""

    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        config_path: Optional[str] = None,
    ) -> None:
        super().__init__(path_to_yaml="manifest.yaml", catalog=catalog, config=config, state=state, config_path=config_path)
        SourceMentionsComponentFactory.adopt(self._constructor)
        logging.getLogger("airbyte").addFilter(RETRY_LINE_FILTER)  # the logger of the CDK's retry line; added once
        self._concurrent_source._queue.maxsize = RECORD_QUEUE_SIZE  # the CDK has no setting for it
        PROGRESS.reset()  # one source per sync: progress lines count this sync's records

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """`check` builds its streams with the short retry budget: FAILED within seconds on an unreachable host."""
        with self._constructor.checking():
            return super().check(logger, config)
