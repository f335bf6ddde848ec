"""Mentionlab (api-docs 004, API-NOTES.md "Mentionlab"), served under /mentionlab.

`GET /api/projects`, `POST /api/analytics/sentiment/timeseries` and the analysed answers one by
one, `POST /api/result-analysis/list-cursor` (keyset cursor `{lastId, lastUpdatedAt}` in the body,
ascending by (updatedAt, id); the shape of its rows is assumed, see the README). Mentions are AI-model answers
naming a brand (entity); buckets are local days, weeks (Monday) or months in the requested IANA
timezone, reported as the UTC instant of the bucket's start. `startDate` is inclusive and
`endDate` exclusive, both local dates; only mentions inside that window are counted.
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


BRAND = "00000000-0000-4000-8000-000000000001"  # each project's default entity (its own brand)
MODELS = ("gpt-4o", "claude-3-5-sonnet", "gemini-1.5-pro")
LIMITS = ((10, 1.0), (120, 60.0))  # the stricter published figures: 10/s and 120/min


class MentionlabApi:
    def __init__(self, api_key: str, projects: int = 2, per_day: int = 6, days: int = 70, seed: int = 5):
        self.api_key = api_key
        self.lock = threading.Lock()
        self._rng = random.Random(seed)
        self.projects = [{"id": f"5f0c{index:04d}-0000-4000-8000-00000000000{index}", "name": f"Project {index + 1}"} for index in range(projects)]
        self.entities = [BRAND, "00000000-0000-4000-8000-000000000002"]
        # (answered at, entity, tone, model, analysed at): the analysis lands when the sandbox learns of the answer
        self.answers: Dict[str, List[Tuple[datetime, str, int, str, datetime]]] = {p["id"]: [] for p in self.projects}
        self._calls: List[float] = []
        self.rate_limited = 0  # 429s answered: a client that budgets its calls should cause none
        now = datetime.now(timezone.utc)
        for project in self.projects:
            for _ in range(per_day * days):
                self._answer(project["id"], now - timedelta(seconds=self._rng.uniform(0, days * 86400)))

    def _answer(self, project_id: str, moment: datetime, entity: str = "", analysed: datetime | None = None) -> None:
        rng = self._rng
        row = (moment, entity or rng.choice(self.entities), rng.choice([-1, 0, 0, 1, 1]), rng.choice(MODELS), analysed or moment)
        self.answers[project_id].append(row)

    def add(self, count: int, hours: float = 2.0) -> int:
        """New answers naming each project's brand within the last `hours`: they land in the open bucket."""
        now = datetime.now(timezone.utc)
        with self.lock:
            for project in self.projects:
                for _ in range(count):
                    self._answer(project["id"], now - timedelta(seconds=self._rng.uniform(0, hours * 3600)), BRAND, analysed=now)
        return count * len(self.projects)

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, Dict[str, str], Any]:
        if headers.get("x-api-key") != self.api_key:
            return 401, {}, {"error": "Unauthorized", "message": "Invalid API key"}
        limited = self._rate_limit()
        if limited:
            return limited
        route = path.removeprefix("/mentionlab").rstrip("/")
        if method == "GET" and route == "/api/projects":
            return 200, {}, {"data": self.projects}
        if method == "POST" and route == "/api/analytics/sentiment/timeseries":
            project_id = headers.get("x-project-id")
            if project_id not in self.answers:
                return 404, {}, {"error": "Not Found", "message": "Project not found"}
            try:
                return 200, {}, self.timeseries(project_id, json.loads(body or b"{}"))
            except (ValueError, KeyError, ZoneInfoNotFoundError) as error:
                return 400, {}, {"error": "Bad Request", "message": str(error)}
        if method == "POST" and route == "/api/result-analysis/list-cursor":
            project_id = headers.get("x-project-id")
            if project_id not in self.answers:
                return 404, {}, {"error": "Not Found", "message": "Project not found"}
            try:
                return 200, {}, self.result_analyses(project_id, json.loads(body or b"{}"))
            except (ValueError, KeyError, TypeError) as error:
                return 400, {}, {"error": "Bad Request", "message": str(error)}
        return 404, {}, {"error": "Not Found"}

    def result_analyses(self, project_id: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        limit = int(body.get("limit") or 100)
        if not 1 <= limit <= 500:
            raise ValueError("limit must be between 1 and 500")
        cursor = body.get("cursor") or {}
        after = (iso_ms(datetime.fromisoformat(cursor["lastUpdatedAt"].replace("Z", "+00:00"))), cursor.get("lastId") or "") if cursor.get("lastUpdatedAt") else None
        index = next(i for i, p in enumerate(self.projects) if p["id"] == project_id)
        with self.lock:
            answers = list(self.answers[project_id])
        rows = sorted(
            (
                {
                    "id": f"ra-{index}-{number:06d}",
                    "createdAt": iso_ms(moment),
                    "updatedAt": iso_ms(analysed),
                    "queryId": f"q-{number % 7}",
                    "queryText": f"Which brand would you recommend? (variant {number % 7})",
                    "model": model,
                    "country": ("US", "FR", "DE")[number % 3],
                    "language": ("en", "fr", "de")[number % 3],
                    "entityId": entity,
                    "sentiment": {1: "positive", 0: "neutral", -1: "negative"}[tone],
                    "sentimentScore": {1: 82.5, 0: 50.0, -1: 17.5}[tone],
                    "excerpt": f"... answer {number} of {model} names the brand ...",
                }
                for number, (moment, entity, tone, model, analysed) in enumerate(answers)
            ),
            key=lambda row: (row["updatedAt"], row["id"]),
        )
        if after:
            rows = [row for row in rows if (row["updatedAt"], row["id"]) > after]
        page = rows[:limit]
        more = len(rows) > limit
        return {"results": page, "nextCursor": {"lastId": page[-1]["id"], "lastUpdatedAt": page[-1]["updatedAt"]} if more else None}

    def _rate_limit(self) -> Tuple[int, Dict[str, str], Any] | None:
        now = time.time()
        with self.lock:
            self._calls = [t for t in self._calls if now - t < 60]
            for limit, window in LIMITS:
                recent = [t for t in self._calls if now - t < window]
                if len(recent) >= limit:
                    self.rate_limited += 1
                    reset = recent[0] + window
                    headers = {"Retry-After": str(max(1, round(reset - now))), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(reset))}
                    return 429, headers, {"error": "Too Many Requests"}
            self._calls.append(now)
        return None

    def timeseries(self, project_id: str, body: Mapping[str, Any]) -> List[Dict[str, Any]]:
        size = body["bucketSize"]
        if size not in ("day", "week", "month"):
            raise ValueError("bucketSize must be one of day, week, month")
        zone = ZoneInfo(body.get("timezone") or "UTC")
        start = date.fromisoformat(body["startDate"]) if body.get("startDate") else date(2000, 1, 1)
        end = date.fromisoformat(body["endDate"]) if body.get("endDate") else date(2100, 1, 1)
        entities = set(body.get("entityIds") or [BRAND])
        models = set(body.get("models") or [])
        buckets: Dict[date, List[int]] = {}
        with self.lock:
            answers = list(self.answers[project_id])
        for moment, entity, tone, model, _ in answers:
            local_day = moment.astimezone(zone).date()
            if not start <= local_day < end or entity not in entities or (models and model not in models):
                continue
            buckets.setdefault(bucket_start(local_day, size), []).append(tone)
        rows = []
        for day in sorted(buckets):
            tones = buckets[day]
            positive, neutral, negative = tones.count(1), tones.count(0), tones.count(-1)
            instant = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc)
            rows.append(
                {
                    "bucket": instant.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "sentimentScore": round(100 * (positive + 0.5 * neutral) / len(tones), 1),
                    "positive": positive,
                    "neutral": neutral,
                    "negative": negative,
                    "mentionCount": len(tones),
                }
            )
        return rows


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def bucket_start(day: date, size: str) -> date:
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day
