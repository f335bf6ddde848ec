"""Mentionlab (docs.mentionlab.io; API-REFERENCE.md §1, API-NOTES.md "Mentionlab"), served under /mentionlab.

- `GET /api/projects/list`: a bare JSON array of project objects.
- `POST /api/result-analysis/list-cursor`: analysed AI answers, ascending by the keyset
  (updatedAt, id). The body's `cursor: {lastId, lastUpdatedAt}` (absent on a first page) asks
  for the rows after that position; filters `updatedAtFrom`/`updatedAtTo`, `timeFrom`/`timeTo`
  (from inclusive, to exclusive). The answer is `{"cursor": {limit, count, lastId,
  lastUpdatedAt}, "results": [...]}`, the cursor naming the page's last row (an empty page
  repeats the position it was asked for). Rows carry no updatedAt, as in the documented example.
- `POST /api/analytics/sentiment/timeseries`: per bucket, the answers naming an entity. Buckets
  are local days, weeks (Monday) or months in the requested IANA timezone, reported as the UTC
  instant of the bucket's start; `startDate` inclusive, `endDate` exclusive, both local dates.

Assumed where the docs are silent: the page size (PAGE_LIMIT; the request has no limit), body
keys outside the documented ones answer 400 (NestJS validation), errors are `{statusCode,
message, error}` (the one documented error body), an unknown path answers 404.
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ORGANISATION = "0193a5b0-0000-7000-8000-0000000000aa"
BRAND = "00000000-0000-4000-8000-000000000001"  # each project's default entity (its own brand)
COMPETITOR = "00000000-0000-4000-8000-000000000002"
ENTITIES = {BRAND: "Acme Corp", COMPETITOR: "Globex Inc"}
MODELS = ("gpt-5-mini", "claude-haiku-4-5", "gemini-2.5-flash")
SOURCES = ("https://www.reviews.example/best-crm", "https://blog.example.com/crm-2026", "https://example.org/compare", "https://news.example.net/acme")
PAGE_LIMIT = 100  # assumed: the docs show the answer's cursor.limit only as a placeholder (123)
LIST_CURSOR_KEYS = {"cachedJobId", "timeFrom", "timeTo", "updatedAtFrom", "updatedAtTo", "tagNames", "tagIds", "cursor"}
LIMITS = ((10, 1.0), (120, 60.0))  # the stricter published figures: 10/s and 120/min

Answer = Tuple[datetime, str, Dict[str, Any]]  # (answered at, analysed at as written in the keyset, documented row)


class BadRequest(ValueError):
    """A request the API would refuse with 400."""


class MentionlabApi:
    def __init__(self, api_key: str, projects: int = 2, per_day: int = 6, days: int = 70, seed: int = 5):
        self.api_key = api_key
        self.lock = threading.Lock()
        self._rng = random.Random(seed)
        now = datetime.now(timezone.utc)
        self.projects = [_project(index, now) for index in range(projects)]
        self._index = {project["id"]: index for index, project in enumerate(self.projects)}
        self.answers: Dict[str, List[Answer]] = {p["id"]: [] for p in self.projects}  # in keyset order (updatedAt, id)
        self._calls: List[float] = []
        self.rate_limited = 0  # 429s answered: a client that budgets its calls should cause none
        for project in self.projects:
            moments = sorted(now - timedelta(seconds=self._rng.uniform(60, days * 86400)) for _ in range(per_day * days))
            for moment in moments:  # analysed a few minutes after the answer, never after now
                self._answer(project["id"], moment, min(moment + timedelta(seconds=self._rng.uniform(30, 600)), now))
        self._keyset_order()

    def _answer(self, project_id: str, moment: datetime, analysed: datetime, names_brand: bool = False) -> None:
        rng, answers = self._rng, self.answers[project_id]
        number = len(answers)
        model = rng.choice(MODELS)
        execution = rng.randrange(3)
        mentioned = [entity for entity, chance in ((BRAND, 0.75), (COMPETITOR, 0.5)) if rng.random() < chance or (names_brand and entity == BRAND)]
        rng.shuffle(mentioned)
        brands = [
            {"name": name, "mentioned": entity in mentioned, "mention_count": rng.randint(1, 3) if entity in mentioned else 0,
             "sentiment_score": rng.randint(10, 95) if entity in mentioned else 50,
             "ranking_position": mentioned.index(entity) + 1 if entity in mentioned else 0}
            for entity, name in ENTITIES.items()
        ]  # fmt: skip
        row = {
            "id": f"{self._index[project_id]:08x}-0000-7000-8000-{number:012x}",
            "cachedJob": f"0193c0de-0000-7000-9000-{number % 7:012x}",
            "time": iso_ms(moment),
            "analysisResult": {"model": model, "object": {"brands": brands}, "executionKey": f"{model}:{execution}", "executionNumber": execution},
            "sourcesAnalysisResult": {url: _source(url, rng, mentioned) for url in rng.sample(SOURCES, rng.randint(0, 2))},
        }
        answers.append((moment, iso_ms(analysed), row))

    def add(self, count: int, hours: float = 2.0) -> int:
        """New answers naming each project's brand within the last `hours`, analysed now: they land in the open bucket."""
        now = datetime.now(timezone.utc)
        with self.lock:
            for project in self.projects:
                for _ in range(count):
                    self._answer(project["id"], now - timedelta(seconds=self._rng.uniform(0, hours * 3600)), now, names_brand=True)
            self._keyset_order()
        return count * len(self.projects)

    def _keyset_order(self) -> None:
        for answers in self.answers.values():
            answers.sort(key=lambda answer: (answer[1], answer[2]["id"]))

    def result_ids(self) -> List[str]:
        with self.lock:
            return [row["id"] for answers in self.answers.values() for _, _, row in answers]

    def brand_mention_ids(self) -> List[str]:
        """`<result id>:<brand name>` for every brand an answer mentions: what unified_mentions must hold."""
        with self.lock:
            return [
                f"{row['id']}:{brand['name']}"
                for answers in self.answers.values()
                for _, _, row in answers
                for brand in row["analysisResult"]["object"]["brands"]
                if brand["mentioned"]
            ]

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, Dict[str, str], Any]:
        if headers.get("x-api-key") != self.api_key:
            return error(401, "Invalid API key")
        limited = self._rate_limit()
        if limited:
            return limited
        route = path.removeprefix("/mentionlab").rstrip("/")
        if method == "GET" and route == "/api/projects/list":
            return 200, {}, self.projects
        handlers = {"/api/analytics/sentiment/timeseries": self.timeseries, "/api/result-analysis/list-cursor": self.result_analyses}
        if method == "POST" and route in handlers:
            project_id = headers.get("x-project-id")
            if project_id not in self.answers:
                return error(404, "Project not found")
            try:
                return 200, {}, handlers[route](project_id, json.loads(body or b"{}"))
            except (BadRequest, ValueError, KeyError, TypeError, ZoneInfoNotFoundError) as problem:
                return error(400, str(problem))
        return error(404, f"Cannot {method} {route}")

    def result_analyses(self, project_id: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        unknown = sorted(set(body) - LIST_CURSOR_KEYS)
        if unknown:
            raise BadRequest(f"property {unknown[0]} should not exist")
        cursor = body.get("cursor")
        if cursor is not None and not (isinstance(cursor, Mapping) and isinstance(cursor.get("lastId"), str) and isinstance(cursor.get("lastUpdatedAt"), str)):
            raise BadRequest("cursor.lastId and cursor.lastUpdatedAt must be strings")
        after = (iso_ms(parse(cursor["lastUpdatedAt"])), cursor["lastId"]) if cursor else None
        updated_from, updated_to = _bounds(body, "updatedAt")
        time_from, time_to = _bounds(body, "time")
        with self.lock:
            answers = list(self.answers[project_id])
        page: List[Tuple[str, Dict[str, Any]]] = []
        for moment, updated, row in answers:
            if after and (updated, row["id"]) <= after:
                continue
            analysed = parse(updated)
            if not (updated_from <= analysed < updated_to and time_from <= moment < time_to):
                continue
            page.append((updated, row))
            if len(page) == PAGE_LIMIT:
                break
        last = (page[-1][0], page[-1][1]["id"]) if page else (after or (None, None))
        return {"cursor": {"limit": PAGE_LIMIT, "count": len(page), "lastId": last[1], "lastUpdatedAt": last[0]}, "results": [row for _, row in page]}

    def _rate_limit(self) -> Optional[Tuple[int, Dict[str, str], Any]]:
        now = time.time()
        with self.lock:
            self._calls = [t for t in self._calls if now - t < 60]
            for limit, window in LIMITS:
                recent = [t for t in self._calls if now - t < window]
                if len(recent) >= limit:
                    self.rate_limited += 1
                    reset = recent[0] + window
                    headers = {"Retry-After": str(max(1, round(reset - now))), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(reset))}
                    status, _, payload = error(429, f"Too many requests. Please retry after {headers['Retry-After']} seconds.")
                    return status, headers, payload
            self._calls.append(now)
        return None

    def timeseries(self, project_id: str, body: Mapping[str, Any]) -> List[Dict[str, Any]]:
        size = body["bucketSize"]
        if size not in ("day", "week", "month"):
            raise BadRequest("bucketSize must be one of day, week, month")
        zone = ZoneInfo(body.get("timezone") or "UTC")
        start = date.fromisoformat(body["startDate"]) if body.get("startDate") else date(2000, 1, 1)
        end = date.fromisoformat(body["endDate"]) if body.get("endDate") else date(2100, 1, 1)
        names = {ENTITIES.get(entity, entity) for entity in body.get("entityIds") or [BRAND]}
        models = set(body.get("models") or [])
        buckets: Dict[date, List[int]] = {}
        with self.lock:
            answers = list(self.answers[project_id])
        for moment, _, row in answers:
            local_day = moment.astimezone(zone).date()
            if not start <= local_day < end or (models and row["analysisResult"]["model"] not in models):
                continue
            for brand in row["analysisResult"]["object"]["brands"]:
                if brand["mentioned"] and brand["name"] in names:
                    buckets.setdefault(bucket_start(local_day, size), []).append(brand["sentiment_score"])
        rows = []
        for day in sorted(buckets):
            scores = buckets[day]
            instant = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc)
            rows.append(
                {
                    "bucket": instant.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "sentimentScore": round(sum(scores) / len(scores), 1),
                    # the API's own sentimentLabel thresholds: >= 60 positive, 40-59 neutral, < 40 negative
                    "positive": sum(score >= 60 for score in scores),
                    "neutral": sum(40 <= score < 60 for score in scores),
                    "negative": sum(score < 40 for score in scores),
                    "mentionCount": len(scores),
                }
            )
        return rows


def _project(index: int, now: datetime) -> Dict[str, Any]:
    """A project object as GET /api/projects/list documents it."""
    return {
        "id": f"5f0c{index:04d}-0000-4000-8000-00000000000{index}",
        "name": f"Project {index + 1}",
        "recurrence": "daily",
        "recurrenceStatus": "active",
        "llmProviders": ["openai", "anthropic", "google-generative-ai"],
        "executionCount": 3,
        "organisation": ORGANISATION,
        "updatedAt": iso_ms(now - timedelta(days=100 - index)),
        "slug": f"project-{index + 1}",
        "description": f"AI visibility of Acme, market {index + 1}",
        "industry": "Technology",
        "website": "https://www.acme.example",
        "nameAliases": ["Acme", "ACME Corp"],
        "blackListAliases": ["Acme Bakery"],
    }


def _source(url: str, rng: random.Random, mentioned: List[str]) -> Dict[str, Any]:
    host = url.split("/")[2]
    parts = host.split(".")
    found = bool(mentioned) and rng.random() < 0.5
    name = ENTITIES[mentioned[0]] if found else ""
    return {
        "found": found,
        "matches": [{"text": name, "context": f"... reviewers rate {name} among the best ..."}] if found else [],
        "subDomain": parts[0] if len(parts) > 2 else None,
        "rootDomain": ".".join(parts[-2:]),
    }


def _bounds(body: Mapping[str, Any], field: str) -> Tuple[datetime, datetime]:
    low, high = body.get(f"{field}From"), body.get(f"{field}To")
    return (parse(low) if low else datetime.min.replace(tzinfo=timezone.utc), parse(high) if high else datetime.max.replace(tzinfo=timezone.utc))


def error(status: int, message: str) -> Tuple[int, Dict[str, str], Dict[str, Any]]:
    """The API's error body (the one documented, on 429: `{statusCode, message, error}`)."""
    reasons = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}
    return status, {}, {"statusCode": status, "message": message, "error": reasons[status]}


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def bucket_start(day: date, size: str) -> date:
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day
