"""Deterministic Mention data set: one account, its alerts and their mentions.

Ids are handed out in discovery order, publication dates are not: a page of mentions
found today can contain an article published weeks ago. Many mentions share one
timestamp so that pagination by date has to cope with ties.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

SOCIAL_SOURCES = ("twitter", "facebook", "instagram")
OTHER_SOURCES = ("web", "news", "blogs", "forums", "videos")
RESTRICTED_FIELDS = ("title", "description", "source_name", "source_url", "picture_url")
TIE_GROUP = 7  # every run of this many consecutive mentions shares one published_at


def w3c(moment: datetime) -> str:
    """Mention's W3C date: fractional seconds (8 digits) and a +00:00 offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}00+00:00"


@dataclass
class MentionDataSet:
    """Everything the sandbox serves; mutated only through its methods, under its lock."""

    seed: int = 42
    alerts: int = 3
    mentions_per_alert: int = 120
    days: int = 60
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    account_id: str = "acc_1"

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._next_id = 1000
        self.account = {
            "id": self.account_id,
            "name": "Sandbox Corp",
            "email": "owner@example.com",
            "language_code": "en",
            "created_at": w3c(self.now - timedelta(days=900)),
        }
        self.alert_list: List[Dict[str, Any]] = []
        self.mentions: Dict[str, List[Dict[str, Any]]] = {}
        for index in range(self.alerts):
            alert_id = str(2_000_000 + index)
            self.alert_list.append(self._alert(alert_id, index))
            self.mentions[alert_id] = []
        for alert_id in self.mentions:
            self.discover(alert_id, self.mentions_per_alert, oldest_days=self.days)

    def _alert(self, alert_id: str, index: int) -> Dict[str, Any]:
        return {
            "id": alert_id,
            "account_id": self.account_id,
            "name": f"Brand watch {index + 1}",
            "created_at": w3c(self.now - timedelta(days=400 - index)),
            "updated_at": w3c(self.now - timedelta(days=3)),
            "query": {"type": "basic", "included_keywords": [f"brand{index + 1}"]},
            "languages": ["en", "fr"],
            "countries": ["US", "FR"],
            "sources": list(OTHER_SOURCES + SOCIAL_SOURCES),
            "blocked_sites": [],
            "noise_detection": True,
            "reviews_pages": [],
            "color": "#27aae1",
            "shares": [],
            "role": "admin",
            "stats": {"unread_mentions_count": 0, "unvisited_mentions_count": 0},
        }

    def discover(self, alert_id: str, count: int, oldest_days: float = 2.0) -> List[str]:
        """Mention finds `count` new mentions for the alert; returns their ids.

        Publication dates are spread over the last `oldest_days` days, so a mention found now
        may be older than everything found before it.
        """
        with self.lock:
            found: List[str] = []
            group_time: Optional[datetime] = None
            found_at = datetime.now(timezone.utc)
            for position in range(count):
                if position % TIE_GROUP == 0:
                    offset = self._rng.uniform(0, oldest_days * 86400)
                    group_time = (self.now - timedelta(seconds=offset)).replace(microsecond=0)
                    group_time += timedelta(microseconds=self._rng.randrange(0, 10**6, 10))
                mention = self._mention(alert_id, group_time, found_at)
                self.mentions[alert_id].append(mention)
                found.append(mention["id"])
            return found

    def _mention(self, alert_id: str, published: datetime, found_at: datetime) -> Dict[str, Any]:
        self._next_id += self._rng.randint(1, 3)
        mention_id = str(self._next_id)
        rng = self._rng
        source = rng.choice(OTHER_SOURCES + SOCIAL_SOURCES)
        url = f"https://example.com/{source}/{mention_id}"
        mention: Dict[str, Any] = {
            "id": mention_id,
            "alert_id": int(alert_id),
            "title": f"Article {mention_id} about the brand",
            "description": f"Text of mention {mention_id} that names the brand twice: brand, brand.",
            "original_url": url,
            "clickable_url": f"https://web.mention.com/api/url?token={mention_id}",
            "displayable_url": url.split("://", 1)[1],
            "unique_id": url,
            "published_at": w3c(published),
            "created_at": w3c(found_at),
            "updated_at": w3c(found_at),
            "country": rng.choice(["US", "FR", "GB", "DE"]),
            "favorite": rng.random() < 0.1,
            "folder": "inbox",
            "folder_set_by_user": False,
            "read": False,
            "tone": rng.choice([-1, 0, 0, 1]),
            "source_type": source,
            "source_name": f"{source.title()} Daily",
            "source_url": f"https://example.com/{source}/",
            "language_code": rng.choice(["en", "fr"]),
            "tasks": [],
            "logs": [],
            "tags": [],
            "picture_url": f"//img.example.com/{mention_id}.png",
            "children": {"children": [], "total": 0, "_links": []},
            "offsets": {"title": [0, 0, 5, 5], "description": [33, 33, 5, 5], "url": [], "source_name": [], "source_url": []},
            "permissions": {"favorite": True, "change_folder": True, "create_task": True},
            "author_influence": {
                "id": str(3_000_000 + int(mention_id)),
                "alert_id": int(alert_id),
                "kind": "twitter" if source == "twitter" else "web",
                "url": f"https://example.com/authors/{mention_id}",
                "name": f"author{int(mention_id) % 97}",
                "score": rng.randint(0, 100),
                "scored_id": f"author{int(mention_id) % 97}",
            },
        }
        if source in SOCIAL_SOURCES:
            for restricted in RESTRICTED_FIELDS:
                del mention[restricted]
        if source == "twitter":
            mention["metadata"] = {"twitter": {"id_str": str(8 * 10**17 + int(mention_id)), "user": {"id_str": "188302352"}}}
        return mention
