"""Records arrive in the types their stream's schema declares, whatever JSON type the API sent (issue 24, item 4)."""

from typing import Any, Dict

import pytest
import requests_mock
from airbyte_cdk.models import Level

from source_mentions.components import KeptAsSent, SchemaTypes

from .builders import ALERTS_URL, config, mention, mentions_page, mock_account, mock_mentions, run_read

SCHEMA: Dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "count": {"type": ["null", "integer"]},
        "score": {"type": ["null", "number"]},
        "read": {"type": ["null", "boolean"]},
        "either": {"type": ["null", "string", "integer"]},
        "author": {"type": ["null", "object"], "properties": {"followers": {"type": ["null", "integer"]}}},
        "offsets": {"type": ["null", "array"], "items": {"type": "integer"}},
        "children": {"type": "array", "items": {"type": "object", "properties": {"parent_id": {"type": "string"}}}},
    },
}


def normalized(record: Dict[str, Any]) -> Dict[str, Any]:
    SchemaTypes(SCHEMA).normalize(record, "s", KeptAsSent())
    return record


@pytest.mark.parametrize(
    "sent, declared",
    [
        ({"id": 123}, {"id": "123"}),
        ({"id": 1.5}, {"id": "1.5"}),
        ({"id": True}, {"id": "true"}),
        ({"count": "12"}, {"count": 12}),
        ({"count": " -3 "}, {"count": -3}),
        ({"count": 7.0}, {"count": 7}),
        ({"score": "0.75"}, {"score": 0.75}),
        ({"score": 5}, {"score": 5}),
        ({"read": "true"}, {"read": True}),
        ({"read": 0}, {"read": False}),
        ({"author": {"followers": "2220"}}, {"author": {"followers": 2220}}),
        ({"offsets": ["0", 5]}, {"offsets": [0, 5]}),
        ({"children": [{"parent_id": 42}]}, {"children": [{"parent_id": "42"}]}),
        ({"count": "", "read": ""}, {"count": None, "read": None}),
        ({"id": {"id": "org-1", "name": "Acme"}}, {"id": '{"id":"org-1","name":"Acme"}'}),  # an expanded object where an id is declared
        ({"id": ["a", 1]}, {"id": '["a",1]'}),
        ({"author": []}, {"author": {}}),  # PHP's JSON for an empty map
    ],
)
def test_a_value_sent_as_another_type_arrives_in_the_declared_one(sent, declared):
    assert normalized(sent) == declared


@pytest.mark.parametrize("sent", [{"count": None}, {"either": 3}, {"either": "3"}, {"unknown": "12"}, {"count": 12}, {"author": None}, {"offsets": []}])
def test_nulls_values_of_their_type_ambiguous_and_undeclared_fields_are_left_as_sent(sent):
    assert normalized(dict(sent)) == sent


def test_a_value_that_cannot_be_converted_is_kept_as_sent_and_counted_per_field():
    kept = KeptAsSent()
    types = SchemaTypes(SCHEMA)
    for record in ({"count": "many"}, {"count": "1.5"}, {"read": "maybe", "score": "nan"}):
        types.normalize(record, "s", kept)
        assert record in ({"count": "many"}, {"count": "1.5"}, {"read": "maybe", "score": "nan"})
    assert kept.summary() == ["s: 4 value(s) kept as sent, not of the type the schema declares (count: 2, e.g. 'many'; read: 1, e.g. 'maybe'; score: 1, e.g. 'nan')"]


def test_mentions_with_drifted_types_are_emitted_in_their_declared_types_with_one_warning_for_what_stays():
    drifted = [
        mention("4", tone="1", direct_reach="1234", relevance_score="0.5", favorite="false"),
        mention("3", tone="positive"),
        mention("2", tone="neutral", cumulative_reach=99.0),
    ]
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page(drifted))
        output = run_read(config(), "mentions")
    records = {m.record.data["id"]: m.record.data for m in output.records}
    assert (records["4"]["tone"], records["4"]["direct_reach"], records["4"]["relevance_score"], records["4"]["favorite"]) == (1, 1234, 0.5, False)
    assert records["2"]["cumulative_reach"] == 99 and type(records["2"]["cumulative_reach"]) is int
    assert (records["3"]["tone"], records["2"]["tone"]) == ("positive", "neutral")  # kept as sent
    warnings = [m.log.message for m in output.logs if m.log.level == Level.WARN and "kept as sent" in m.log.message]
    assert warnings == ["mentions: 2 value(s) kept as sent, not of the type the schema declares (tone: 2, e.g. 'positive')"]


def test_tag_ids_and_counts_sent_as_integers_arrive_as_the_strings_the_schema_declares():
    """Mention's 1.19 reference shows integers; live answers carried strings: the schema says string."""
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(f"{ALERTS_URL}/1/tags", json={"tags": [{"id": 7, "name": "t", "mention_count": 12}], "_links": []})
        output = run_read(config(), "tags")
    assert [(m.record.data["id"], m.record.data["mention_count"]) for m in output.records] == [("7", "12")]
