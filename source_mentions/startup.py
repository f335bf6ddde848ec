"""Start-up time that no command needs: set before airbyte_cdk is imported (source_mentions.run does it first).

Importing airbyte_cdk builds its protocol serializers (serpyco_rs `Serializer`, in
airbyte_cdk/models/airbyte_protocol_serializers.py). For each protocol class, serpyco_rs reads the
class's source file (`inspect.getsource`) and parses it (`ast.parse`) to find the docstrings under
its attributes, through `attributes_doc.get_attributes_doc`, only to put them as `description`s in
a JSON schema of the messages that nothing in a sync reads. On this machine that is 0.4 s of the
CDK's 1.1-1.4 s import, paid by every command (`make bench`, start-up rows). The serializers are built
from the types, not from the docstrings: what they write and read does not change
(unit_tests/test_startup.py compares every kind of message with and without this).

The CDK offers no setting for it; this replaces one function of serpyco_rs's dependency
`attributes_doc` before serpyco_rs binds it. If serpyco_rs is already imported, or stops using
that function, this changes nothing (a test fails when the import parses source files again). The
replacement holds for the whole process: another serpyco_rs user in it would get JSON schemas without
descriptions. The CLI process runs only this connector.
"""

from typing import Dict


def no_attribute_docstrings(cls: type) -> Dict[str, str]:
    """Stands in for attributes_doc.get_attributes_doc: no docstrings, no source read."""
    return {}


def skip_protocol_docstrings() -> bool:
    """Whether serpyco_rs will skip reading attribute docstrings (False when it was imported first)."""
    import sys

    if "serpyco_rs" in sys.modules:
        return False
    try:
        import attributes_doc
    except ImportError:
        return False
    attributes_doc.get_attributes_doc = no_attribute_docstrings
    return True
