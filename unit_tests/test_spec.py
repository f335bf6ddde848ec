"""The spec renders in the Airbyte UI: provider oneOf, secrets marked, fields ordered and described."""

import logging

from source_mentions.source import SourceMentions


def spec():
    return SourceMentions().spec(logging.getLogger("airbyte")).connectionSpecification


def mention_branch():
    return next(branch for branch in spec()["properties"]["provider"]["oneOf"] if branch["properties"]["provider_type"]["const"] == "mention")


def test_provider_is_a_oneof_discriminated_by_provider_type():
    provider = spec()["properties"]["provider"]
    assert provider["type"] == "object"
    assert all("provider_type" in branch["required"] for branch in provider["oneOf"])


def test_access_token_is_a_required_secret():
    branch = mention_branch()
    assert branch["properties"]["access_token"]["airbyte_secret"] is True
    assert "access_token" in branch["required"]


def test_every_user_field_has_title_description_and_a_unique_order():
    for properties in (spec()["properties"], mention_branch()["properties"]):
        fields = {name: field for name, field in properties.items() if name != "provider_type"}
        assert all(field.get("title") and field.get("description") for field in fields.values()), fields
        orders = [field["order"] for field in fields.values()]
        assert len(orders) == len(set(orders))


def test_documented_defaults_are_offered():
    branch = mention_branch()["properties"]
    assert branch["api_url"]["default"] == "https://api.mention.net/api"
    assert branch["api_version"]["default"] == "1.19"
