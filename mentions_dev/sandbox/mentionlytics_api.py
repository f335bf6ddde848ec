"""Mentionlytics API v2 (api-docs 000, API-REFERENCE.md §3, API-NOTES.md "Mentionlytics"), served under /mentionlytics/v2.

Bearer tokens live `token_lifetime_s` (1 hour by default; a switch shortens it). Refresh tokens
are single use: `POST /auth/refresh` takes ONLY a JSON body `{"refresh_token": "..."}` (415 for
any other content type, 400 for unreadable JSON), answers a new bearer and a new refresh token
and invalidates the old one; replaying it answers 401 invalid_grant. `reset()` makes the
configured initial refresh token valid again (each standard test starts from the same static
config).

Mentions have the fields of the vendor's published record (integer `id` and `uid`, `pub_date`
with milliseconds, `profile_meta` a JSON string, `cmeta` counters). Every fifth mention is in the
third-party form `pub_date` "YYYYMMDD" with `pub_datetime` ISO 8601, every seventh has `pub_date`
"YYYY-MM-DD HH:MM:SS" (UTC). /aggregation answers one object of totals for the requested days
(its real shape is not published).
"""

from __future__ import annotations

import json
import random
import secrets
import threading
from time import time as wall_clock  # a token's lifetime is on the wall clock its expires_in is read against
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Tuple

from .articles import mentionlytics_spelling
from .mention_api import Answer, first

INITIAL_BEARER = "mly-bearer-initial"
INITIAL_REFRESH = "mly-refresh-initial"
MAX_PER_PAGE = 10_000  # public v1 help pages
CHANNELS = ("twitter", "facebook", "instagram", "news", "web", "linkedin")
TRACKERS = ("Brand Key Tracker", "Competitor Tracker")
FIRST_ID = 1_000_886_319  # the vendor sample's id


def pub_date_fields(published: datetime, number: int) -> Dict[str, str]:
    """The publication date in the form the vendor published, or in a third-party form."""
    if number % 5 == 0:
        return {"pub_date": published.strftime("%Y%m%d"), "pub_datetime": published.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if number % 7 == 0:
        return {"pub_date": published.strftime("%Y-%m-%d %H:%M:%S")}
    return {"pub_date": published.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


class MentionlyticsApi:
    def __init__(self, count: int = 150, days: int = 40, seed: int = 3, token_lifetime_s: float = 3600.0):
        self.lock = threading.Lock()
        self.token_lifetime_s = token_lifetime_s
        self._rng = random.Random(seed)
        self._next = 0
        self.mentions: List[Tuple[datetime, Dict[str, Any]]] = []  # (publication time, record), oldest first
        self.refreshes = 0
        self.reset()
        self.add(count, days=days)

    def reset(self) -> None:
        with self.lock:
            self.bearers: Dict[str, float] = {INITIAL_BEARER: wall_clock() + self.token_lifetime_s}
            self.refresh_tokens = {INITIAL_REFRESH}
            self.used_refresh_tokens: set[str] = set()

    def ids(self) -> List[str]:
        """Every mention id, as text (as the connector emits them)."""
        with self.lock:
            return [str(record["id"]) for _, record in self.mentions]

    def add(self, count: int, days: float = 0.0) -> List[str]:
        """New mentions, published within the last `days` days (now by default); their ids as text."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        rng, added = self._rng, []
        with self.lock:
            for _ in range(count):
                number = self._next
                self._next += 1
                mention_id = FIRST_ID + number
                published = now - timedelta(seconds=rng.randint(0, int(days * 86400)))
                handle = f"profile{rng.randint(1, 30)}"
                followers = rng.randint(0, 50_000)
                posts = rng.randint(0, 9_000)
                self.mentions.append(
                    (
                        published,
                        {
                            "id": mention_id,
                            **pub_date_fields(published, number),
                            "cmeta": {
                                "likes": rng.randint(0, 90),
                                "views": rng.randint(0, 900),
                                "comments": rng.randint(0, 9),
                                "retweets": rng.randint(0, 5),
                                "fb_shares": rng.randint(0, 5),
                                "pin_shares": 0,
                                "plus_shares": 0,
                                "linked_shares": rng.randint(0, 2),
                            },
                            "uid": 600_000_000 + rng.randint(1, 30),
                            "profile_name": f"Profile {handle[7:]}",
                            "screen_name": handle,
                            "profile_username": handle,
                            "profile_image": f"https://img.mly.example.com/{handle}_normal.jpg",
                            "profile_image_url": rng.choice([None, f"https://img.mly.example.com/{handle}.jpg"]),
                            "profile_uu_id": str(2_357_365_000 + rng.randint(1, 30)),
                            "followers_count": followers,
                            "country": rng.choice(["US", "GB", "GR", None]),
                            "profile_meta": json.dumps({"location": rng.choice(["Clare, Ireland", "Athens, Greece"])}),
                            "meta_count1": followers,
                            "post_count": posts,
                            "profile_description": "Writes about brands.",
                            "profile_meta_count1": followers,
                            "profile_type_name": rng.choice([None, "person", "page"]),
                            "statuses_count": posts,
                            "name": f"Profile {handle[7:]}",
                            "image": rng.choice([None, f"https://img.mly.example.com/media/{mention_id}.jpg"]),
                            "mRank": rng.randint(0, 100),
                            "campaign": rng.choice(TRACKERS),
                            "title": f"Mention {mention_id}",
                            "text": f"Someone wrote about the brand ({mention_id}).",
                            "url": mentionlytics_spelling(mention_id) or f"https://mly.example.com/{mention_id}",  # some articles Mention reports too
                            "channel": rng.choice(CHANNELS),
                            "sentiment": rng.choice(["positive", "neutral", "negative"]),
                            "language": rng.choice(["en", "el"]),
                        },
                    )
                )
                added.append(str(mention_id))
            self.mentions.sort(key=lambda item: (item[0], item[1]["id"]))
        return added

    def handle(self, method: str, path: str, query: Mapping[str, List[str]], headers: Mapping[str, str], body: bytes) -> Answer:
        route = path.removeprefix("/mentionlytics/v2").rstrip("/")
        if method == "POST" and route == "/auth/refresh":
            return self.refresh(headers, body)
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        with self.lock:
            expires = self.bearers.get(token)
        if expires is None:
            return 401, {}, {"error": "invalid_token", "message": "The bearer token is not valid."}
        if expires < wall_clock():
            return 401, {}, {"error": "token_expired", "message": "The bearer token has expired."}
        if method == "GET" and route == "/mentions":
            return self.mention_page(query)
        if method == "GET" and route == "/aggregation":
            return self.aggregation(query)
        return 404, {}, {"error": "not_found"}

    def refresh(self, headers: Mapping[str, str], body: bytes) -> Answer:
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return 415, {}, {"error": "unsupported_media_type", "message": f"The refresh endpoint takes a JSON body (Content-Type: application/json), not {content_type or 'no content type'}."}
        try:
            payload = json.loads(body or b"")
        except ValueError:
            return 400, {}, {"error": "invalid_request", "message": "The body is not valid JSON."}
        presented = payload.get("refresh_token") if isinstance(payload, dict) else None
        if not presented:
            return 400, {}, {"error": "missing_refresh_token", "message": "The JSON body needs a refresh_token."}
        with self.lock:
            if presented not in self.refresh_tokens:
                reason = "reused" if presented in self.used_refresh_tokens else "unknown"
                return 401, {}, {"error": "invalid_grant", "error_description": f"The refresh token is invalid or was revoked ({reason})."}
            self.refresh_tokens.discard(presented)
            self.used_refresh_tokens.add(presented)
            bearer, refresh = f"mly-bearer-{secrets.token_hex(8)}", f"mly-refresh-{secrets.token_hex(8)}"
            self.bearers[bearer] = wall_clock() + self.token_lifetime_s
            self.refresh_tokens.add(refresh)
            self.refreshes += 1
        return 200, {}, {"access_token": bearer, "refresh_token": refresh, "expires_in": self.token_lifetime_s, "refresh_expires_in": 30 * 86400}

    def _window(self, query: Mapping[str, List[str]]) -> Tuple[date, date]:
        today = datetime.now(timezone.utc).date()
        start = first(query, "startDate") or (today - timedelta(days=7)).strftime("%Y%m%d")
        end = first(query, "endDate") or today.strftime("%Y%m%d")
        return datetime.strptime(start, "%Y%m%d").date(), datetime.strptime(end, "%Y%m%d").date()

    def _in_window(self, query: Mapping[str, List[str]]) -> List[Dict[str, Any]]:
        start, end = self._window(query)
        trackers = set(filter(None, (first(query, "commtracks") or "").split(",")))
        with self.lock:
            return [record for published, record in self.mentions if start <= published.date() <= end and (not trackers or record["campaign"] in trackers)]

    def mention_page(self, query: Mapping[str, List[str]]) -> Answer:
        try:
            rows = self._in_window(query)
            page_no = int(first(query, "page_no") or 0)
            per_page = int(first(query, "per_page") or 20)
        except ValueError:
            return 400, {}, {"error": "invalid_parameter", "message": "startDate/endDate must be YYYYMMDD; page_no and per_page integers."}
        if not 1 <= per_page <= MAX_PER_PAGE:
            return 400, {}, {"error": "invalid_parameter", "message": f"per_page must be between 1 and {MAX_PER_PAGE}."}
        page = rows[page_no * per_page : (page_no + 1) * per_page]
        more = (page_no + 1) * per_page < len(rows)
        return 200, {}, {"mentions": page, "results_after": str(page[-1]["id"]) if more else None}

    def aggregation(self, query: Mapping[str, List[str]]) -> Answer:
        try:
            rows = self._in_window(query)
        except ValueError:
            return 400, {}, {"error": "invalid_parameter", "message": "startDate/endDate must be YYYYMMDD."}
        sentiment = {"positive": 0, "neutral": 0, "negative": 0}
        for record in rows:
            sentiment[record["sentiment"]] += 1
        return 200, {}, {
            "mentions": len(rows),
            "likes": sum(r["cmeta"]["likes"] for r in rows),
            "views": sum(r["cmeta"]["views"] for r in rows),
            "comments": sum(r["cmeta"]["comments"] for r in rows),
            "reach": sum(r["followers_count"] for r in rows),
            "sentiment": sentiment,
        }
