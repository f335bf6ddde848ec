"""The spec renders in the Airbyte UI: provider oneOf, secrets marked, fields ordered and described."""

import logging

import pytest

from source_mentions.source import SourceMentions

PROVIDERS = {"mention": ["access_token"], "mentionlytics": ["bearer_token", "refresh_token"], "sociovite": ["access_token"], "mentionlab": ["api_key"]}


def spec():
    return SourceMentions().spec(logging.getLogger("airbyte")).connectionSpecification


def branch(provider_type):
    return next(b for b in spec()["properties"]["provider"]["oneOf"] if b["properties"]["provider_type"]["const"] == provider_type)


def test_provider_is_a_oneof_with_one_branch_per_provider_discriminated_by_provider_type():
    provider = spec()["properties"]["provider"]
    assert sorted(b["properties"]["provider_type"]["const"] for b in provider["oneOf"]) == sorted(PROVIDERS)
    assert all("provider_type" in b["required"] and b.get("title") and b.get("description") for b in provider["oneOf"])


@pytest.mark.parametrize("provider_type, secrets", PROVIDERS.items())
def test_credentials_are_required_secrets_and_nothing_else_is(provider_type, secrets):
    properties = branch(provider_type)["properties"]
    assert sorted(name for name, field in properties.items() if field.get("airbyte_secret")) == sorted(secrets)
    assert set(secrets) <= set(branch(provider_type)["required"])


@pytest.mark.parametrize("provider_type", PROVIDERS)
def test_every_user_field_has_title_description_and_a_unique_order(provider_type):
    for properties in (spec()["properties"], branch(provider_type)["properties"]):
        assert all(field.get("title") and field.get("description") for field in properties.values()), properties  # provider_type too
        orders = [field["order"] for name, field in properties.items() if name != "provider_type"]
        assert len(orders) == len(set(orders))


def test_documented_defaults_are_offered():
    assert branch("mention")["properties"]["api_url"]["default"] == "https://api.mention.net/api"
    assert branch("mention")["properties"]["api_version"]["default"] == "1.19"
    assert branch("sociovite")["properties"]["api_url"]["default"] == "https://beta-be.sociovite.com/api"
    assert branch("mentionlab")["properties"]["timezone"]["default"] == "UTC"
