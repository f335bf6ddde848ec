"""The source: the declarative manifest plus the one factory hook it needs."""

from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

from .components import PROGRESS, SourceMentionsComponentFactory


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
        PROGRESS.reset()  # one source per sync: progress lines count this sync's records
