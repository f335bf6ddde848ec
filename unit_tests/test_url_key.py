"""`url_key`: one canonical spelling per article URL, each rule on its own, and URLs that must stay apart."""

import pytest

from source_mentions.components.urls import canonical_url

SAME_ARTICLE = [
    ("the scheme is https", "http://example.com/news/1", "https://example.com/news/1"),
    ("the host is lower case", "https://EXAMPLE.com/news/1", "https://example.com/news/1"),
    ("www. is dropped", "https://www.example.com/news/1", "https://example.com/news/1"),
    ("m. is dropped", "https://m.example.com/news/1", "https://example.com/news/1"),
    ("mobile. is dropped", "https://mobile.example.com/news/1", "https://example.com/news/1"),
    ("amp. is dropped", "https://amp.example.com/news/1", "https://example.com/news/1"),
    ("twitter.com is x.com", "https://twitter.com/brand/status/42", "https://x.com/brand/status/42"),
    ("mobile.twitter.com is x.com", "https://mobile.twitter.com/brand/status/42", "https://x.com/brand/status/42"),
    ("the default https port is dropped", "https://example.com:443/news/1", "https://example.com/news/1"),
    ("the default http port is dropped", "http://example.com:80/news/1", "https://example.com/news/1"),
    ("the fragment is dropped", "https://example.com/news/1#comments", "https://example.com/news/1"),
    ("utm_ parameters are dropped", "https://example.com/news/1?utm_source=tw&utm_medium=social&utm_campaign=x", "https://example.com/news/1"),
    ("fbclid is dropped", "https://example.com/news/1?fbclid=IwAR0abc", "https://example.com/news/1"),
    ("gclid is dropped", "https://example.com/news/1?gclid=Cj0K", "https://example.com/news/1"),
    ("dclid is dropped", "https://example.com/news/1?dclid=CJ1", "https://example.com/news/1"),
    ("mc_cid and mc_eid are dropped", "https://example.com/news/1?mc_cid=1a&mc_eid=2b", "https://example.com/news/1"),
    ("igshid is dropped", "https://instagram.com/p/Cx1?igshid=MzRl", "https://instagram.com/p/Cx1"),
    ("ref_src is dropped", "https://x.com/brand/status/42?ref_src=twsrc%5Etfw", "https://x.com/brand/status/42"),
    ("feature=share is dropped", "https://youtube.com/watch?v=abc&feature=share", "https://youtube.com/watch?v=abc"),
    ("x.com's s is dropped", "https://x.com/brand/status/42?s=20", "https://x.com/brand/status/42"),
    ("the other parameters are sorted", "https://example.com/search?q=brand&page=2", "https://example.com/search?page=2&q=brand"),
    ("one trailing slash is removed", "https://example.com/news/1/", "https://example.com/news/1"),
    ("the root keeps its slash", "https://example.com", "https://example.com/"),
    ("escaped unreserved characters are decoded", "https://example.com/%7Euser/news%2D1", "https://example.com/~user/news-1"),
    ("other escapes are upper case", "https://example.com/caf%c3%a9?q=%e2%82%ac", "https://example.com/caf%C3%A9?q=%E2%82%AC"),
    ("unescaped characters are escaped", "https://example.com/café", "https://example.com/caf%C3%A9"),
]


@pytest.mark.parametrize("rule, spelling, canonical", SAME_ARTICLE, ids=[rule for rule, _, _ in SAME_ARTICLE])
def test_each_rule_gives_the_canonical_spelling(rule, spelling, canonical):
    assert canonical_url(spelling) == canonical
    assert canonical_url(canonical) == canonical  # a canonical URL stays as it is


def test_a_route_after_the_hash_is_kept_and_a_plain_fragment_dropped():
    assert canonical_url("https://www.twitter.com/#!/brand/status/1") == "https://x.com/#!/brand/status/1"
    assert canonical_url("https://example.com/app/#/article/1?x=%7e") == "https://example.com/app#/article/1?x=~"
    assert canonical_url("https://example.com/news/1#section-2") == "https://example.com/news/1"


def test_every_rule_at_once():
    assert canonical_url("http://WWW.Mobile.Twitter.COM:80/brand/status/42/?s=20&utm_source=x&lang=en#top") == "https://x.com/brand/status/42?lang=en"


DIFFERENT_ARTICLES = [
    ("different paths", "https://example.com/news/1", "https://example.com/news/2"),
    ("different ids in the query", "https://example.com/article?id=1", "https://example.com/article?id=2"),
    ("a different port", "https://example.com:8443/news/1", "https://example.com/news/1"),
    ("an escaped slash is not a slash", "https://example.com/a%2Fb", "https://example.com/a/b"),
    ("s is a parameter outside x.com", "https://example.com/search?s=shoes", "https://example.com/search"),
    ("feature with another value stays", "https://youtube.com/watch?v=abc&feature=related", "https://youtube.com/watch?v=abc"),
    ("a subdomain that is not a mobile one", "https://news.example.com/1", "https://example.com/1"),
    ("a path's case", "https://example.com/News/1", "https://example.com/news/1"),
    ("a hashbang route", "https://twitter.com/#!/brand/status/1", "https://twitter.com/#!/brand/status/2"),
    ("a single-page app's route", "https://example.com/#/article/1", "https://example.com/#/article/2"),
    ("the order of a repeated parameter's values", "https://example.com/list?id=1&id=2", "https://example.com/list?id=2&id=1"),
]


@pytest.mark.parametrize("why, one, other", DIFFERENT_ARTICLES, ids=[why for why, _, _ in DIFFERENT_ARTICLES])
def test_urls_of_different_articles_stay_apart(why, one, other):
    assert canonical_url(one) != canonical_url(other)


@pytest.mark.parametrize("value", [None, "", "   ", 42, "ftp://example.com/file", "mailto:press@example.com", "https://"])
def test_no_url_gives_no_key(value):
    assert canonical_url(value) is None


def test_a_url_without_a_scheme_is_read_as_https():
    assert canonical_url("example.com/news/1") == canonical_url("//www.example.com/news/1") == "https://example.com/news/1"
