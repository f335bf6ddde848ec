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
- `POST /api/queries/list?limit=&page=` and `POST /api/entities/list?limit=&page=`: the page object
  `{page: {totalRecords, limit, currentPage, totalPages, nextPage, prevPage}, results}`; `nextPage`
  is null on the last page. Every answer belongs to one query (its country and language filter it).
- `POST /api/analytics/queries/{queryId}/results`: the raw AI answers to one query, body `page`/`pageSize`,
  ascending by `initiatedAt` (the answer's `time`), same page object.
- `POST /api/v1/analytics/visibility/timeseries` (per bucket and entity), `POST /api/analytics/visibility/entities`
  and `POST /api/analytics/visibility/share-of-voice` (over `startDate`..`endDate`): counted from the
  same answers, the newer body generation (`countries`, `languages`, `timezone`; `country`/`language` answer 400).

Assumed where the docs are silent: the page size (PAGE_LIMIT; the request has no limit), `nextPage`
null on a last page, the v1 visibility timeseries taking `bucketSize` like the other timeseries, body
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
# (id, name, type, isOwned, isPrimary, isCompetitor, isBlacklisted): the answers name the first two
ENTITY_LIST = (
    (BRAND, "Acme Corp", "brand", True, True, False, False),
    (COMPETITOR, "Globex Inc", "company", False, False, True, False),
    *((f"00000000-0000-4000-8000-{n:012x}", name, kind, False, False, n % 2 == 1, n == 11) for n, (name, kind) in enumerate(
        (("Initech", "company"), ("Umbrella", "company"), ("Hooli", "brand"), ("Soylent", "brand"), ("Jane Roe", "person"),
         ("Wonka", "brand"), ("Cyberdyne", "company"), ("Tyrell", "company"), ("Aperture", "other"), ("Acme Bakery", "brand")), start=3)),
)  # fmt: skip
QUERY_TEXTS = ("best crm software", "crm for small business", "salesforce alternatives", "cheapest crm", "crm with ai features",
               "acme vs globex", "open source crm", "crm for startups", "top sales tools 2026", "crm reviews", "crm pricing", "easy crm")  # fmt: skip
MARKETS = (("en", "US"), ("en", "GB"), ("fr", "FR"), ("fr", "BE"), ("nl", "BE"), ("de", "DE"))
QUERY_LIST_KEYS = {"query", "languages", "countries", "tagIds", "tagNames", "sort"}
ENTITY_LIST_KEYS = {"name", "type", "isOwned", "isPrimary", "isCompetitor", "isBlacklisted", "groupId", "sort"}
ANALYTICS_KEYS = {"startDate", "endDate", "countries", "languages", "models", "queryIds", "queryTagIds", "execTagIds", "queryTagMode",
                  "execTagMode", "hasSources", "hasShopping", "timezone", "entityIds", "entityTypes", "groupByEntityGroup"}  # fmt: skip
LIST_MAX = {"/api/queries/list": 500, "/api/entities/list": 100}  # documented limit ranges

Answer = Tuple[datetime, str, Dict[str, Any]]  # (answered at, analysed at as written in the keyset, documented row)


class BadRequest(ValueError):
    """A request the API would refuse with 400."""


class MentionlabApi:
    def __init__(self, api_key: str, projects: int = 2, per_day: int = 6, days: int = 70, seed: int = 5, max_page_size: int = 1000):
        self.api_key = api_key
        self.max_page_size = max_page_size  # page-object lists answer at most this many rows (tests of paging)
        self.lock = threading.Lock()
        self._rng = random.Random(seed)
        now = datetime.now(timezone.utc)
        self.projects = [_project(index, now) for index in range(projects)]
        self._index = {project["id"]: index for index, project in enumerate(self.projects)}
        self.queries = {p["id"]: [_query(self._index[p["id"]], n, p["id"], now) for n in range(len(QUERY_TEXTS))] for p in self.projects}
        self.answers: Dict[str, List[Answer]] = {p["id"]: [] for p in self.projects}  # in keyset order (updatedAt, id)
        self._calls: List[float] = []
        self.rate_limited = 0  # 429s answered: a client that budgets its calls should cause none
        self.data_moved = False  # every data path answers 404 while the project list still answers (a moved API path)
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

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes, query: Optional[Mapping[str, List[str]]] = None) -> Tuple[int, Dict[str, str], Any]:
        if headers.get("x-api-key") != self.api_key:
            return error(401, "Invalid API key")
        limited = self._rate_limit()
        if limited:
            return limited
        route = path.removeprefix("/mentionlab").rstrip("/")
        if method == "GET" and route == "/api/projects/list":
            return 200, {}, self.projects
        handlers = {
            "/api/analytics/sentiment/timeseries": self.timeseries,
            "/api/result-analysis/list-cursor": self.result_analyses,
            "/api/v1/analytics/visibility/timeseries": self.visibility_timeseries,
            "/api/analytics/visibility/entities": self.entity_visibility,
            "/api/analytics/visibility/share-of-voice": self.share_of_voice,
        }
        lists = {"/api/queries/list": self.query_list, "/api/entities/list": self.entity_list}
        query_id = route.removeprefix("/api/analytics/queries/").removesuffix("/results") if route.endswith("/results") else None
        if method == "POST" and (route in handlers or route in lists or query_id) and not self.data_moved:
            project_id = headers.get("x-project-id")
            if project_id not in self.answers:
                return error(404, "Project not found")
            if query_id and query_id not in {q["id"] for q in self.queries[project_id]}:
                return error(404, f"Query {query_id} not found")
            try:
                payload = json.loads(body or b"{}")
                if route in lists:
                    return 200, {}, lists[route](project_id, payload, *self._limit_page(route, query or {}))
                if query_id:
                    return 200, {}, self.ai_responses(project_id, query_id, payload)
                return 200, {}, handlers[route](project_id, payload)
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


    # ------------------------------------------------------------ page-object lists and the newer analytics

    def _limit_page(self, route: str, query: Mapping[str, List[str]]) -> Tuple[int, int]:
        limit, page = int((query.get("limit") or ["50"])[0]), int((query.get("page") or ["1"])[0])
        if not 1 <= limit <= LIST_MAX[route] or page < 1:
            raise BadRequest(f"limit must be 1-{LIST_MAX[route]} and page >= 1")
        return limit, page

    def query_list(self, project_id: str, body: Mapping[str, Any], limit: int, page: int) -> Dict[str, Any]:
        _known(body, QUERY_LIST_KEYS)
        tag_ids = body.get("tagIds") or []
        if any(not isinstance(tag, int) for tag in tag_ids):
            raise BadRequest("each value in tagIds must be a number")
        rows = [
            q for q in self.queries[project_id]
            if (not body.get("languages") or q["language"] in body["languages"]) and (not body.get("countries") or q["country"] in body["countries"])
            and (not tag_ids or set(tag_ids) & set(q["tags"])) and str(body.get("query") or "").lower() in q["query"]
        ]  # fmt: skip
        return self._paged(rows, limit, page)

    def entity_list(self, project_id: str, body: Mapping[str, Any], limit: int, page: int) -> Dict[str, Any]:
        _known(body, ENTITY_LIST_KEYS)
        rows = [_entity(entry) for entry in ENTITY_LIST]
        rows = [row for row in rows if all(row[flag] == body[flag] for flag in ("type", "isOwned", "isPrimary", "isCompetitor", "isBlacklisted") if flag in body)]
        return self._paged(rows, limit, page)

    def _paged(self, rows: List[Dict[str, Any]], limit: int, page: int) -> Dict[str, Any]:
        size = min(limit, self.max_page_size)
        pages = max(1, -(-len(rows) // size))
        return {
            "page": {"totalRecords": len(rows), "limit": size, "currentPage": page, "totalPages": pages,
                     "nextPage": page + 1 if page < pages else None, "prevPage": page - 1 if page > 1 else None},
            "results": rows[(page - 1) * size : page * size],
        }  # fmt: skip

    def ai_responses(self, project_id: str, query_id: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        _known(body, ANALYTICS_KEYS | {"page", "pageSize"})
        page, size = int(body.get("page") or 1), int(body.get("pageSize") or 20)
        if page < 1 or not 1 <= size <= 100:
            raise BadRequest("page must be >= 1 and pageSize 1-100")
        rows = [_ai_response(row) for _, row in self._selected(project_id, {**body, "queryIds": [query_id]})]
        rows.sort(key=lambda row: (row["initiatedAt"], row["aiResponseId"]))
        answer = self._paged(rows, size, page)
        return {"results": answer["results"], "page": answer["page"]}

    def visibility_timeseries(self, project_id: str, body: Mapping[str, Any]) -> List[Dict[str, Any]]:
        _known(body, ANALYTICS_KEYS | {"bucketSize", "metric"})
        size, zone = body["bucketSize"], ZoneInfo(body.get("timezone") or "UTC")
        if size not in ("day", "week", "month") or body.get("metric", "visibility") not in ("visibility", "position"):
            raise BadRequest("bucketSize must be one of day, week, month; metric visibility or position")
        per_bucket: Dict[date, List[Dict[str, Any]]] = {}
        for moment, row in self._selected(project_id, body):
            per_bucket.setdefault(bucket_start(moment.astimezone(zone).date(), size), []).append(row)
        rows = []
        for day in sorted(per_bucket):
            instant = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            for score in _entity_scores(per_bucket[day], body):
                rows.append({"bucket": instant, **{key: score[key] for key in ("displayKey", "displayName", "isOwned", "isPrimary", "isCompetitor", "totalResponses", "presentIn", "visibilityPct", "avgPositionRank")}})
        return rows

    def entity_visibility(self, project_id: str, body: Mapping[str, Any]) -> List[Dict[str, Any]]:
        _known(body, ANALYTICS_KEYS)
        return _entity_scores([row for _, row in self._selected(project_id, body)], body)

    def share_of_voice(self, project_id: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        _known(body, ANALYTICS_KEYS)
        scores = [score for score in _entity_scores([row for _, row in self._selected(project_id, body)], body) if score["mentionCount"]]
        total = sum(score["mentionCount"] for score in scores)
        brands = [
            {"displayKey": s["displayKey"], "displayName": s["displayName"], "isOwned": s["isOwned"], "isPrimary": s["isPrimary"],
             "mentionCount": s["mentionCount"], "shareOfVoice": round(100 * s["mentionCount"] / total, 1)}
            for s in sorted(scores, key=lambda s: -s["mentionCount"])
        ]  # fmt: skip
        return {"totalMentions": total, "brands": brands}

    def _selected(self, project_id: str, body: Mapping[str, Any]) -> List[Tuple[datetime, Dict[str, Any]]]:
        """(answered at, row) of the project's answers that the newer body's filters keep; dates are local to `timezone`."""
        zone = ZoneInfo(body.get("timezone") or "UTC")
        start = date.fromisoformat(body["startDate"]) if body.get("startDate") else date(2000, 1, 1)
        end = date.fromisoformat(body["endDate"]) if body.get("endDate") else date(2100, 1, 1)
        queries = {q["id"]: q for q in self.queries[project_id]}
        with self.lock:
            answers = list(self.answers[project_id])
        kept = []
        for moment, _, row in answers:
            asked = queries[self.query_of(project_id, row)]
            if not start <= moment.astimezone(zone).date() < end:
                continue
            if body.get("models") and row["analysisResult"]["model"] not in body["models"]:
                continue
            if body.get("queryIds") and asked["id"] not in body["queryIds"]:
                continue
            if (body.get("countries") and asked["country"] not in body["countries"]) or (body.get("languages") and asked["language"] not in body["languages"]):
                continue
            kept.append((moment, row))
        return kept

    def query_of(self, project_id: str, row: Mapping[str, Any]) -> str:
        """The query an answer answers: fixed by the answer's number, so the data set stays what the seed made."""
        return self.queries[project_id][int(row["id"][-12:], 16) % len(QUERY_TEXTS)]["id"]

    def ai_response_ids(self) -> List[str]:
        with self.lock:
            return [_ai_response(row)["aiResponseId"] for answers in self.answers.values() for _, _, row in answers]

    def query_ids(self) -> List[str]:
        return [q["id"] for queries in self.queries.values() for q in queries]


def _known(body: Mapping[str, Any], allowed: Any) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise BadRequest(f"property {unknown[0]} should not exist")


def _query(project: int, number: int, project_id: str, now: datetime) -> Dict[str, Any]:
    """A query object as POST /api/queries/list documents it (tags are numbers there)."""
    language, country = MARKETS[number % len(MARKETS)]
    return {
        "id": f"0193c1{project:02x}-0000-7000-a000-{number:012x}",
        "project": project_id,
        "tags": [1 + number % 3] + ([4] if number % 4 == 0 else []),
        "query": QUERY_TEXTS[number],
        "language": language,
        "country": country,
        "updatedAt": iso_ms(now - timedelta(days=90 - number)),
    }


def _entity(entry: Tuple[Any, ...]) -> Dict[str, Any]:
    """An entity object as POST /api/entities/list documents it."""
    entity_id, name, kind, owned, primary, competitor, blacklisted = entry
    number = int(entity_id[-12:], 16)
    return {
        "id": entity_id, "name": name, "slug": name.lower().replace(" ", "-"), "type": kind,
        "isOwned": owned, "isPrimary": primary, "isCompetitor": competitor, "isBlacklisted": blacklisted,
        "createdAt": f"2026-09-{number:02d}T08:00:00Z", "updatedAt": f"2026-10-{number:02d}T08:00:00Z",
        "group": {"id": "0193c2aa-0000-7000-8000-000000000001", "name": "CRM vendors", "slug": "crm-vendors"} if competitor or primary else None,
        "canonicalId": entity_id,
    }  # fmt: skip


def _ai_response(row: Mapping[str, Any]) -> Dict[str, Any]:
    """The raw AI answer behind a result-analysis row, as POST /api/analytics/queries/{queryId}/results documents it."""
    ids = {name: entity for entity, name in ENTITIES.items()}
    named = sorted((b for b in row["analysisResult"]["object"]["brands"] if b["mentioned"]), key=lambda b: b["ranking_position"])
    number = int(row["id"][-12:], 16)
    return {
        "aiResponseId": row["id"][:19] + "b" + row["id"][20:],
        "initiatedAt": row["time"],
        "model": row["analysisResult"]["model"],
        "text": "Here are the CRM tools reviewers rate highest: " + (", ".join(b["name"] for b in named) or "none of the usual names") + ".",
        "hasSources": bool(row["sourcesAnalysisResult"]),
        "hasShopping": number % 9 == 0,
        "sources": [{"domain": url.split("/")[2], "url": url} for url in row["sourcesAnalysisResult"]],
        "entities": [{"displayKey": ids[b["name"]], "displayName": b["name"], "isPrimary": ids[b["name"]] == BRAND, "sentimentScore": float(b["sentiment_score"])} for b in named],
    }


def _entity_scores(rows: List[Mapping[str, Any]], body: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Per analysed entity (the body's entityIds, else all): visibility, position, mentions and sentiment over the rows."""
    if not rows:
        return []
    flags = {entry[0]: entry for entry in ENTITY_LIST}
    scores = []
    for entity, name in ENTITIES.items():
        if body.get("entityIds") and entity not in body["entityIds"]:
            continue
        present = [b for row in rows for b in row["analysisResult"]["object"]["brands"] if b["name"] == name and b["mentioned"]]
        mentions = sum(b["mention_count"] for b in present)
        sentiments = [b["sentiment_score"] for b in present]
        scores.append({
            "displayKey": entity, "displayName": name, "totalResponses": len(rows), "presentIn": len(present),
            "visibilityPct": round(100 * len(present) / len(rows), 1),
            "avgPositionRank": round(sum(b["ranking_position"] for b in present) / len(present), 2) if present else None,
            "isOwned": flags[entity][3], "isPrimary": flags[entity][4], "isCompetitor": flags[entity][5], "mentionCount": mentions,
            "sentimentScore": round(sum(sentiments) / len(sentiments), 1) if sentiments else None,
            "sentiment": {"positive": sum(s >= 60 for s in sentiments), "neutral": sum(40 <= s < 60 for s in sentiments), "negative": sum(s < 40 for s in sentiments)},
            "avgMentionsPerResult": round(mentions / len(present), 2) if present else None,
        })  # fmt: skip
    return scores


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
