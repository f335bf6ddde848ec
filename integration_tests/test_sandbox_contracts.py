"""The sandbox answers in the documented shapes: every field a contract fixture carries, with the same JSON types."""

import pytest

from unit_tests.builders import run_read
from unit_tests.contracts import discovered, field_shapes, fixture_streams, read_contract, undeclared_fields

STREAMS = sorted({(fixture.provider, stream) for fixture, stream in fixture_streams()})


def sandbox_config(sandbox, provider):
    return sandbox.config(read_mention_children=True) if provider == "mention" else getattr(sandbox, f"{provider}_config")()


@pytest.mark.parametrize("provider, stream", STREAMS, ids=[f"{p}->{s}" for p, s in STREAMS])
def test_sandbox_records_have_the_fields_and_types_of_the_documented_answer(sandbox, provider, stream):
    schema = discovered(provider, stream).json_schema
    documented = field_shapes((m.record.data for m in read_contract(provider, stream)[0].records), schema)
    served = [m.record.data for m in run_read(sandbox_config(sandbox, provider), stream).records]
    assert served, f"the sandbox served no {stream} records"
    shapes = field_shapes(served, schema)
    missing = sorted(path for path in documented if path not in shapes)
    assert not missing, f"fields of the documented answer the sandbox never sends: {missing}"
    different = {
        path: (sorted(shapes[path]), sorted(kinds))
        for path, kinds in documented.items()
        if not (shapes[path] - {"null"}) <= kinds
    }
    assert not different, f"types the sandbox sends that the documented answer does not have (sandbox, documented): {different}"
    assert not undeclared_fields(served, schema)
