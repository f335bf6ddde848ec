"""Mention records as real answers carry them: types that differ between answers, Twitter authors, children, last pages."""

import pytest
import requests_mock

from .builders import children, config, ids, mention, mention_page_queries, mentions_page, mock_account, mock_mentions, run_read, tweet
from .contracts import discovered, schema_errors


def schema_of(stream: str):
    return discovered("mention", stream).json_schema


def read_mentions(stream: str, *mentions):
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page(list(mentions)))
        output = run_read(config(), stream)
    return [message.record.data for message in output.records]


def test_a_twitter_author_with_only_a_realname_is_the_unified_author():
    (record,) = read_mentions("unified_mentions", tweet("7", realname="SneakerDealsUK"))
    assert record["author_name"] == "SneakerDealsUK"
    assert record["mention_id"] == "7" and record.get("title") is None and record.get("text") is None  # restricted for Twitter


def test_the_author_name_wins_over_the_realname_when_both_are_present():
    author = {"id": "4696", "alert_id": "1", "kind": "web", "name": "dailystyle.example", "realname": "Daily Style"}
    (record,) = read_mentions("unified_mentions", mention("8", author_influence=author))
    assert record["author_name"] == "dailystyle.example"


@pytest.mark.parametrize("tone_score", [0, 0.732889], ids=["integer", "decimal"])
def test_tone_score_validates_as_an_integer_and_as_a_decimal_and_is_kept_as_sent(tone_score):
    (record,) = read_mentions("mentions", mention("9", tone_score=tone_score, relevance_score=0))
    assert record["tone_score"] == tone_score and type(record["tone_score"]) is type(tone_score)
    assert schema_errors(record, schema_of("mentions")) == []


def test_author_influence_alert_id_validates_as_the_string_real_answers_send():
    (record,) = read_mentions("mentions", tweet("10", alert_id=2624127))
    assert record["author_influence"]["alert_id"] == "2624127"
    assert schema_errors(record, schema_of("mentions")) == []


def test_the_schema_rejects_a_mention_whose_author_alert_id_is_neither_text_nor_a_number():
    broken = tweet("11")
    broken["author_influence"]["alert_id"] = {"id": 1}
    assert any(error.startswith("author_influence/alert_id") for error in schema_errors(broken, schema_of("mentions")))


def test_children_sent_with_their_parent_id_as_a_number_or_as_a_string_carry_it_as_text():
    parent = mention("12", children=children(mention("120", parent_id=12), mention("121", parent_id="12"), total=5, more=True))
    (record,) = read_mentions("mentions", parent)
    assert [child["parent_id"] for child in record["children"]["children"]] == ["12", "12"]  # one column type in a warehouse
    assert schema_errors(record, schema_of("mentions")) == []


def test_an_empty_links_array_on_a_mentions_page_is_its_last_page():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [{"json": {"mentions": [mention("14"), mention("13")], "_links": []}}, {"status_code": 500}])
        output = run_read(config(), "mentions")
    assert ids(output) == ["14", "13"]
    assert len(mention_page_queries(http)) == 1
