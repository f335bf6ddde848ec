"""Rules the manifest keeps that no schema checks: what the connector's quieter log relies on."""

from typing import Any, Iterator, List

from source_mentions.source import SourceMentions


def routers_in_lists(node: Any) -> Iterator[Any]:
    """Every partition router that stands in a list of routers (a CartesianProductStreamSlicer), anywhere in the manifest."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "partition_router" and isinstance(value, list):
                yield from value
            yield from routers_in_lists(value)
    elif isinstance(node, list):
        for item in node:
            yield from routers_in_lists(item)


def test_no_parent_inside_a_list_of_partition_routers_is_read_incrementally():
    """The CDK keeps no parent state for a list of routers (its WARN, kept out of the CLI's log by run.quiet_routine_cdk_lines)."""
    routers: List[Any] = list(routers_in_lists(SourceMentions().resolved_manifest))
    assert routers, "the manifest has a list of partition routers (Mentionlab's sentiment_timeseries)"
    for router in routers:
        for parent in router.get("parent_stream_configs") or []:
            assert not parent.get("incremental_dependency"), parent
