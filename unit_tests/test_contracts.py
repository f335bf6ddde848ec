"""Every documented answer, read through the connector at the HTTP boundary, gives typed, declared, keyed records and moving state."""

import json

import pytest

from .contracts import CONTRACTS, contract_config, discovered, fixture_streams, fixtures, read_contract, schema_errors, sent_names, undeclared_fields

PAIRS = fixture_streams()
IDS = [f"{fixture.id}->{stream}" for fixture, stream in PAIRS]
INCREMENTAL = [(fixture, stream) for fixture, stream in PAIRS if fixture.data["streams"][stream].get("newest_cursor")]


@pytest.fixture(scope="module")
def reads():
    """One read per (provider, stream), shared by the assertions below."""
    cache = {}

    def read(provider, stream):
        if (provider, stream) not in cache:
            cache[(provider, stream)] = read_contract(provider, stream)
        return cache[(provider, stream)]

    return read


def records_of(output):
    return [message.record.data for message in output.records]


@pytest.mark.parametrize("fixture, stream", PAIRS, ids=IDS)
def test_read_of_the_documented_answer_succeeds_with_the_expected_records(reads, fixture, stream):
    output, _ = reads(fixture.provider, stream)
    assert not output.errors, [m.trace.error.message for m in output.errors]
    expected = fixture.data["streams"][stream].get("records")
    if expected is not None:
        assert len(output.records) == expected


@pytest.mark.parametrize("fixture, stream", PAIRS, ids=IDS)
def test_records_validate_against_the_declared_schema(reads, fixture, stream):
    output, _ = reads(fixture.provider, stream)
    schema = discovered(fixture.provider, stream).json_schema
    violations = {error for record in records_of(output) for error in schema_errors(record, schema)}
    assert not violations


@pytest.mark.parametrize("fixture, stream", PAIRS, ids=IDS)
def test_every_field_of_the_records_is_declared(reads, fixture, stream):
    output, _ = reads(fixture.provider, stream)
    assert not undeclared_fields(records_of(output), discovered(fixture.provider, stream).json_schema)


@pytest.mark.parametrize("fixture, stream", PAIRS, ids=IDS)
def test_primary_key_and_cursor_fields_are_present(reads, fixture, stream):
    output, _ = reads(fixture.provider, stream)
    catalog_stream = discovered(fixture.provider, stream)
    keys = [path[0] for path in (catalog_stream.source_defined_primary_key or [])] + list(catalog_stream.default_cursor_field or [])
    assert keys, "every stream declares a primary key"
    missing = {key for record in records_of(output) for key in keys if record.get(key) in (None, "")}
    assert not missing


@pytest.mark.parametrize("fixture, stream", INCREMENTAL, ids=[f"{fixture.id}->{stream}" for fixture, stream in INCREMENTAL])
def test_state_moves_to_the_newest_value_of_the_answer(reads, fixture, stream):
    output, _ = reads(fixture.provider, stream)
    assert output.state_messages, "an incremental stream emits state"
    final = json.dumps(output.state_messages[-1].state.stream.stream_state.__dict__)
    assert fixture.data["streams"][stream]["newest_cursor"] in final


@pytest.mark.parametrize("fixture, stream", PAIRS, ids=IDS)
def test_the_fixtures_request_is_the_one_the_connector_sends(reads, fixture, stream):
    _, history = reads(fixture.provider, stream)
    url = fixture.url(contract_config(fixture.provider)).split("?")[0]
    matching = [r for r in history if r.url.split("?")[0] == url]
    assert matching, f"{fixture.method} {url} was never requested"
    assert {r.method for r in matching} == {fixture.method}
    wanted = set(fixture.data["request"].get("params") or [])
    assert any(wanted <= sent_names(r) for r in matching), [sorted(sent_names(r)) for r in matching]


@pytest.mark.parametrize("fixture", fixtures(), ids=[f.id for f in fixtures()])
def test_each_fixture_names_its_source_and_is_listed_in_the_index(fixture):
    assert fixture.data.get("source") and fixture.data.get("endpoint")
    assert f"`{fixture.id}.json`" in (CONTRACTS / "INDEX.md").read_text()
