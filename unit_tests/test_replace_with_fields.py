"""ReplaceWithFields: the unified record is copied from declared paths, with alternatives tried in order."""

from source_mentions.components import ReplaceWithFields

AUTHOR = {"copy": [["author", "name"], ["author", "realname"]], "type": "string"}


def transformed(record, **fields):
    ReplaceWithFields(fields=fields, config={}, parameters={}).transform(record)
    return record


def test_the_first_alternative_path_with_a_value_wins():
    assert transformed({"author": {"name": "Ada", "realname": "Ada L."}}, author=AUTHOR) == {"author": "Ada"}
    assert transformed({"author": {"realname": "Ada L."}}, author=AUTHOR) == {"author": "Ada L."}


def test_an_empty_text_counts_as_missing_and_the_next_path_is_tried():
    assert transformed({"author": {"name": "", "realname": "Ada L."}}, author=AUTHOR) == {"author": "Ada L."}


def test_no_alternative_with_a_value_gives_null():
    assert transformed({"author": "not a mapping"}, author=AUTHOR) == {"author": None}


def test_a_single_path_is_copied_and_cast_as_before():
    assert transformed({"alert_id": 2624127, "extra": 1}, project_id={"copy": ["alert_id"], "type": "string"}) == {"project_id": "2624127"}
