"""Mentionlytics API v2 (api-docs 000, API-NOTES.md "Mentionlytics"), served under /mentionlytics/v2.

Bearer tokens live `token_lifetime_s` (1 hour by default; a switch shortens it). Refresh tokens
are single use: `POST /auth/refresh` answers a new bearer and a new refresh token and invalidates
the old one; replaying it answers 401 invalid_grant. `reset()` makes the configured initial
refresh token valid again (each standard test starts from the same static config).
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs

from .mention_api import Answer, first

INITIAL_BEARER = "mly-bearer-initial"
INITIAL_REFRESH = "mly-refresh-initial"
MAX_PER_PAGE = 10_000  # public v1 help pages
CHANNELS = ("twitter", "facebook", "instagram", "news", "web", "linkedin")
TRACKERS = ("101", "102")


class MentionlyticsApi:
    def __init__(self, count: int = 150, days: int = 40, seed: int = 3, token_lifetime_s: float = 3600.0):
        self.lock = threading.Lock()
        self.token_lifetime_s = token_lifetime_s
        self._rng = random.Random(seed)
        self._next = 1
        self.mentions: List[Dict[str, Any]] = []
        self.refreshes = 0
        self.reset()
        self.add(count, days=days)

    def reset(self) -> None:
        with self.lock:
            self.bearers: Dict[str, float] = {INITIAL_BEARER: time.time() + self.token_lifetime_s}
            self.refresh_tokens = {INITIAL_REFRESH}
            self.used_refresh_tokens: set[str] = set()

    def add(self, count: int, days: float = 0.0) -> List[str]:
        """New mentions, published within the last `days` days (now by default)."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        rng, added = self._rng, []
        with self.lock:
            for _ in range(count):
                mention_id = str(500_000 + self._next)
                self._next += 1
                published = now - timedelta(seconds=rng.randint(0, int(days * 86400)))
                self.mentions.append(
                    {
                        "id": mention_id,
                        "pub_date": published.strftime("%Y-%m-%d %H:%M:%S"),
                        "title": f"Mention {mention_id}",
                        "text": f"Someone wrote about the brand ({mention_id}).",
                        "url": f"https://mly.example.com/{mention_id}",
                        "channel": rng.choice(CHANNELS),
                        "sentiment": rng.choice(["positive", "neutral", "negative"]),
                        "profile_name": "Some Profile",
                        "screen_name": f"profile{rng.randint(1, 30)}",
                        "followers_count": rng.randint(0, 50_000),
                        "country": rng.choice(["US", "GB", "GR", None]),
                        "language": rng.choice(["en", "el"]),
                        "mRank": rng.randint(0, 10),
                        "campaign": rng.choice(TRACKERS),
                        "cmeta": {"likes": rng.randint(0, 90), "views": rng.randint(0, 900), "comments": rng.randint(0, 9), "retweets": 0, "shares": rng.randint(0, 5)},
                    }
                )
                added.append(mention_id)
            self.mentions.sort(key=lambda m: (m["pub_date"], m["id"]))
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
        if expires < time.time():
            return 401, {}, {"error": "token_expired", "message": "The bearer token has expired."}
        if method == "GET" and route == "/mentions":
            return self.mention_page(query)
        if method == "GET" and route == "/aggregation":
            return self.aggregation(query)
        return 404, {}, {"error": "not_found"}

    def refresh(self, headers: Mapping[str, str], body: bytes) -> Answer:
        if "json" in (headers.get("Content-Type") or ""):
            payload = json.loads(body or b"{}")
        else:
            payload = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        presented = payload.get("refresh_token")
        with self.lock:
            if presented not in self.refresh_tokens:
                reason = "reused" if presented in self.used_refresh_tokens else "unknown"
                return 401, {}, {"error": "invalid_grant", "error_description": f"The refresh token is invalid or was revoked ({reason})."}
            self.refresh_tokens.discard(presented)
            self.used_refresh_tokens.add(presented)
            bearer, refresh = f"mly-bearer-{secrets.token_hex(8)}", f"mly-refresh-{secrets.token_hex(8)}"
            self.bearers[bearer] = time.time() + self.token_lifetime_s
            self.refresh_tokens.add(refresh)
            self.refreshes += 1
        return 200, {}, {"access_token": bearer, "refresh_token": refresh, "expires_in": self.token_lifetime_s, "refresh_expires_in": 30 * 86400}

    def _window(self, query: Mapping[str, List[str]]) -> Tuple[str, str]:
        today = datetime.now(timezone.utc).date()
        start = first(query, "startDate") or (today - timedelta(days=7)).strftime("%Y%m%d")
        end = first(query, "endDate") or today.strftime("%Y%m%d")
        for value in (start, end):
            datetime.strptime(value, "%Y%m%d")
        return start, end

    def mention_page(self, query: Mapping[str, List[str]]) -> Answer:
        try:
            start, end = self._window(query)
            page_no = int(first(query, "page_no") or 0)
            per_page = int(first(query, "per_page") or 20)
        except ValueError:
            return 400, {}, {"error": "invalid_parameter", "message": "startDate/endDate must be YYYYMMDD; page_no and per_page integers."}
        if not 1 <= per_page <= MAX_PER_PAGE:
            return 400, {}, {"error": "invalid_parameter", "message": f"per_page must be between 1 and {MAX_PER_PAGE}."}
        trackers = set(filter(None, (first(query, "commtracks") or "").split(",")))
        with self.lock:
            rows = [
                m
                for m in self.mentions
                if start <= m["pub_date"][:10].replace("-", "") <= end and (not trackers or m["campaign"] in trackers)
            ]
        page = rows[page_no * per_page : (page_no + 1) * per_page]
        more = (page_no + 1) * per_page < len(rows)
        return 200, {}, {"mentions": page, "results_after": page[-1]["id"] if more else None}

    def aggregation(self, query: Mapping[str, List[str]]) -> Answer:
        try:
            start, end = self._window(query)
        except ValueError:
            return 400, {}, {"error": "invalid_parameter", "message": "startDate/endDate must be YYYYMMDD."}
        days: Dict[str, Dict[str, int]] = {}
        day = datetime.strptime(start, "%Y%m%d").date()
        last: date = datetime.strptime(end, "%Y%m%d").date()
        while day <= last:
            days[day.isoformat()] = {"mentions": 0, "positive": 0, "neutral": 0, "negative": 0, "reach": 0}
            day += timedelta(days=1)
        with self.lock:
            for mention in self.mentions:
                counters: Optional[Dict[str, int]] = days.get(mention["pub_date"][:10])
                if counters is not None:
                    counters["mentions"] += 1
                    counters[mention["sentiment"]] += 1
                    counters["reach"] += mention["followers_count"]
        return 200, {}, {"aggregation": [{"date": day, **counters} for day, counters in days.items()]}
