"""The same article reported by Mention and by Mentionlytics under different URLs gets one url_key in both unified tables."""

import re

from mentions_dev.sandbox.articles import ARTICLES
from unit_tests.builders import run_read


def url_keys(output) -> dict:
    return {message.record.data["mention_id"]: message.record.data["url_key"] for message in output.records}


def articles_in(urls) -> set:
    """The shared articles the URLs point at, whatever their spelling (the article's path ends at /, ?, # or the end)."""
    return {article for article in ARTICLES for url in urls if url and re.search(re.escape(article) + r"([/?#]|$)", url, re.IGNORECASE)}


def test_articles_shared_by_mention_and_mentionlytics_have_one_url_key(sandbox):
    mention = run_read(sandbox.config(), "unified_mentions")
    mentionlytics = run_read(sandbox.mentionlytics_config(), "unified_mentions")

    data = sandbox.server.sandbox
    with data.data.lock:
        mention_urls = [m["original_url"] for items in data.data.mentions.values() for m in items]
    mentionlytics_urls = [m["url"] for _, m in data.mentionlytics.mentions]
    shared = articles_in(mention_urls) & articles_in(mentionlytics_urls)
    assert shared, "the sandbox gives both providers some of the same articles"

    keys_of_mention, keys_of_mentionlytics = set(url_keys(mention).values()), set(url_keys(mentionlytics).values())
    assert keys_of_mention & keys_of_mentionlytics == {f"https://{article}" for article in shared}


def test_every_mention_with_a_url_has_a_url_key_and_every_other_none(sandbox):
    output = run_read(sandbox.config(), "unified_mentions")
    rows = [message.record.data for message in output.records]
    assert rows and all((row["url"] is None) == (row["url_key"] is None) for row in rows)
    assert all(row["url_key"].startswith("https://") and "#" not in row["url_key"] for row in rows if row["url_key"])
