"""Articles that Mention and Mentionlytics both report, each under its own spelling of the URL.

Real monitoring tools see one article through different links: a feed's tracking parameters, the
mobile site, http or https, a trailing slash, a fragment. The sandbox gives some Mention web
mentions and some Mentionlytics mentions one of these articles, spelled differently, so that
`unified_mentions.url_key` has something to match across providers.
"""

from __future__ import annotations

from typing import Optional

ARTICLES = [f"news.example.org/2026/11/brand-story-{index}" for index in range(1, 13)]


def mention_spelling(number: int) -> Optional[str]:
    """A Mention web mention's link to a shared article (one mention in ten), as a feed reader hands it on."""
    if number % 10 != 3:
        return None
    article = ARTICLES[number // 10 % len(ARTICLES)]
    return f"http://www.{article}/?utm_source=mention&utm_medium=alert"


def mentionlytics_spelling(mention_id: int) -> Optional[str]:
    """A Mentionlytics mention's link to a shared article (one mention in seven), as a phone shares it."""
    if mention_id % 7 != 2:
        return None
    article = ARTICLES[mention_id // 7 % len(ARTICLES)]
    return f"https://m.{article.replace('news.example.org', 'NEWS.example.org')}#comments"
