"""Sociovite `GET /mentions` (api-docs 002, API-NOTES.md "Sociovite"), served under /sociovite/api.

Newest `createdat` first; `limit`/`offset` (the documented pair) or `page` (the curl example).
`updated_at` is often the zero date; some records carry the tutorial's `sentimen: 2` or null.
`GET /project?page=&limit=` lists the projects (keywords) as documented: `{"projects": [...]}`,
no paging fields.
"""

from __future__ import annotations

import math
import random
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping

from .mention_api import Answer, first

PLATFORMS = ("twitter", "tiktok", "facebook", "youtube", "instagram")
ZERO_DATE = "0001-01-01T00:00:00Z"
MAX_LIMIT = 100  # assumed cap; the docs give only the default (10)


class SocioviteApi:
    def __init__(self, token: str, count: int = 237, projects: int = 2, seed: int = 11):
        self.token = token
        self.lock = threading.Lock()
        self._rng = random.Random(seed)
        self._next = 1
        self.projects = [f"kw-{index + 1}" for index in range(projects)]
        self.mentions: List[Dict[str, Any]] = []
        self.add(count, days=60)

    def add(self, count: int, days: float = 0.0) -> List[str]:
        """New posts, created within the last `days` days (now by default)."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        rng, added = self._rng, []
        with self.lock:
            for _ in range(count):
                mention_id = f"sv-{self._next:06d}"
                self._next += 1
                created = now - timedelta(seconds=rng.randint(0, int(days * 86400)))
                project = rng.choice(self.projects)
                self.mentions.append(
                    {
                        "id": mention_id,
                        "targeted_account_id": f"acct-{rng.randint(1, 40)}",
                        "content": f"post {mention_id} about the brand",
                        "keywordid": project,
                        "url": f"https://social.example.com/p/{mention_id}",
                        "sentimen": rng.choice([1, 0, -1, -1, 0, 2, None]),
                        "socialmediaid": rng.choice(PLATFORMS),
                        "createdat": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "updated_at": ZERO_DATE if rng.random() < 0.6 else (created + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "targeted_account": {"username": f"user{rng.randint(1, 40)}", "display_name": "Some Account"},
                        "SnaKeyword": {"group": f"Project {project}", "keyword": '"brand"'},
                    }
                )
                added.append(mention_id)
            self.mentions.sort(key=lambda m: (m["createdat"], m["id"]), reverse=True)
        return added

    def project_list(self, query: Mapping[str, List[str]]) -> Answer:
        try:
            limit = int(first(query, "limit") or 10)
            page = max(int(first(query, "page") or 1), 1)
        except ValueError:
            return 500, {}, {"error": "Internal server error"}
        projects = [
            {"id": project, "name": f"Project {project}", "description": f"Mentions of {project}",
             "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-06T09:30:00Z" if index % 2 else ZERO_DATE}
            for index, project in enumerate(self.projects)
        ]  # fmt: skip
        return 200, {}, {"projects": projects[(page - 1) * limit : page * limit]}

    def handle(self, path: str, query: Mapping[str, List[str]], headers: Mapping[str, str]) -> Answer:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if not token:
            return 401, {}, {"error": "Invalid or missing token"}
        if token != self.token:
            return 403 if token.endswith("-forbidden") else 401, {}, {"error": "Access denied" if token.endswith("-forbidden") else "Invalid or missing token"}
        if path.rstrip("/") == "/sociovite/api/project":
            return self.project_list(query)
        if path.rstrip("/") != "/sociovite/api/mentions":
            return 404, {}, {"error": "Not found"}
        try:
            limit = min(int(first(query, "limit") or 10), MAX_LIMIT)
            page = int(first(query, "page") or 0)
            offset = int(first(query, "offset") or 0) if first(query, "offset") is not None or not page else (page - 1) * limit
        except ValueError:
            return 500, {}, {"error": "Internal server error"}
        project = first(query, "project_id") or first(query, "keywordId")
        platform = first(query, "sosmedId")
        sentiment = first(query, "sentimen")
        with self.lock:
            rows = [
                m
                for m in self.mentions
                if (not project or m["keywordid"] == project)
                and (not platform or m["socialmediaid"] == platform)
                and (sentiment is None or str(m["sentimen"]) == sentiment)
            ]
        return 200, {}, {
            "data": rows[offset : offset + limit],
            "total": len(rows),
            "page": offset // limit + 1,
            "limit": limit,
            "totalPages": max(1, math.ceil(len(rows) / limit)),
        }
