"""Page bodies: parsed once for the unreadable-body check and the records; what is not readable JSON is still retried."""

import gc
from typing import Any, List, Optional

import orjson
import requests
import requests_mock
from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction

from source_mentions.components import KeyPathExtractor
from source_mentions.components import ParsedBodies, ParsedBodyDecoder, UnreadableBodyFilter

from .builders import config, ids, mention, mentions_page, mock_account, mock_mentions, run_read

PREDICATE = "{{ response is mapping and not response }}"  # the manifest's unreadable_body_filter


def unreadable_body_filter(bodies: Optional[ParsedBodies] = None) -> UnreadableBodyFilter:
    response_filter = UnreadableBodyFilter(action=ResponseAction.RETRY, predicate=PREDICATE, config={}, parameters={})
    response_filter.parsed_bodies = bodies
    return response_filter


def decoder_of(bodies: ParsedBodies) -> ParsedBodyDecoder:
    decoder = ParsedBodyDecoder(parameters={})
    decoder.parsed_bodies = bodies
    return decoder


def answer(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body
    return response


def test_an_empty_object_is_retried_not_read_as_a_last_page():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [{"text": "{}"}, {"json": mentions_page([mention("3")])}])
        output = run_read(config(), "mentions")
    assert ids(output) == ["3"]


def test_an_empty_body_is_retried_not_read_as_a_last_page():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [{"text": ""}, {"json": mentions_page([mention("3"), mention("4")])}])
        output = run_read(config(), "mentions")
    assert sorted(ids(output)) == ["3", "4"]


def test_the_filter_retries_what_is_not_json_or_an_empty_object_and_passes_the_rest():
    verdicts = {body: unreadable_body_filter().matches(answer(body)) for body in (b"", b'{"mentions": [', b"{}", b"[]", b'{"mentions": []}')}
    assert {body: verdict.response_action if verdict else None for body, verdict in verdicts.items()} == {
        b"": ResponseAction.RETRY,
        b'{"mentions": [': ResponseAction.RETRY,
        b"{}": ResponseAction.RETRY,
        b"[]": None,
        b'{"mentions": []}': None,
    }


def test_a_pages_records_and_next_token_are_read_from_the_body_the_filter_parsed():
    bodies = ParsedBodies()
    response = answer(b'{"mentions": [{"id": "3"}, {"id": "4"}], "_links": {"more": {"params": {"before": "4"}}}}')
    assert unreadable_body_filter(bodies).matches(response) is None
    response._content = b'{"mentions": [{"id": "parsed again"}]}'  # a second parse would read this
    decoder = decoder_of(bodies)
    extractor = KeyPathExtractor(field_path=["mentions"], config={}, parameters={}, decoder=decoder)

    assert list(extractor.extract_records(response)) == [{"id": "3"}, {"id": "4"}]
    assert next(decoder.decode(response))["_links"] == {"more": {"params": {"before": "4"}}}


def test_once_the_page_is_read_its_parsed_body_is_released():
    bodies = ParsedBodies()
    response = answer(b'{"mentions": [{"id": "3"}]}')
    unreadable_body_filter(bodies).matches(response)
    response._content = b'{"mentions": [{"id": "parsed again"}]}'

    bodies.release(response)

    assert list(decoder_of(bodies).decode(response)) == [{"mentions": [{"id": "parsed again"}]}]


def test_a_parsed_body_is_not_kept_on_the_response_nor_after_it():
    bodies = ParsedBodies()
    response = answer(b'{"mentions": [{"id": "3"}]}')
    unreadable_body_filter(bodies).matches(response)
    assert len(bodies) == 1 and set(vars(response)) == set(vars(answer(b"")))

    del response
    gc.collect()

    assert len(bodies) == 0  # a page never read (an error answer, retried) does not stay behind


def test_another_streams_decoder_does_not_read_this_streams_parsed_body():
    response = answer(b'{"mentions": [{"id": "3"}]}')
    unreadable_body_filter(ParsedBodies()).matches(response)
    response._content = b'{"mentions": [{"id": "own parse"}]}'

    assert list(decoder_of(ParsedBodies()).decode(response)) == [{"mentions": [{"id": "own parse"}]}]


def test_a_json_array_page_gives_its_items_as_the_cdk_decoder_does():
    for body, items in ((b'[{"id": "a"}, {"id": "b"}]', [{"id": "a"}, {"id": "b"}]), (b"[]", [{}])):
        bodies = ParsedBodies()
        response = answer(body)
        unreadable_body_filter(bodies).matches(response)
        assert list(decoder_of(bodies).decode(response)) == items == list(JsonDecoder(parameters={}).decode(answer(body)))


def test_a_sync_parses_each_page_once(monkeypatch):
    parsed: List[str] = []
    loads = orjson.loads

    def counted(data: Any) -> Any:
        body = loads(data)
        if isinstance(body, dict) and body.get("mentions"):  # not the alert's (empty) head
            parsed.append(",".join(item["id"] for item in body["mentions"]))
        return body

    monkeypatch.setattr(orjson, "loads", counted)
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"json": mentions_page([mention("4"), mention("3")], more={"before_date": "2026-11-01T09:00:00.0+00:00"})},
            {"json": mentions_page([mention("2"), mention("1")])},
        ])
        output = run_read(config(), "mentions")
    assert sorted(ids(output)) == ["1", "2", "3", "4"]
    assert parsed == ["4,3", "2,1"]
