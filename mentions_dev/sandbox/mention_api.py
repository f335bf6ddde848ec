"""Mention REST API as documented (api-docs 001/003, API-NOTES.md), answered from a MentionDataSet.

Handlers return (status, headers, body) and know nothing of HTTP sockets or faults.
"""

from __future__ import annotations

import base64
import json
from bisect import bisect_left, bisect_right
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .data import DEFAULT_FOLDERS, FOLDERS, MentionDataSet, alert_authors, alert_tags, alert_tasks, all_children, w3c

Answer = Tuple[int, Dict[str, str], Any]
MAX_LIMIT = 1000  # public docs: limit default 20, max 1000
INVALID_TOKEN = {"error": "invalid_grant", "error_description": "The access token provided is invalid."}
NO_API_PLAN = {"error": "access_denied", "error_description": "Your plan does not include API access."}


def validation_error(field: str, message: str) -> Answer:
    return 400, {}, {"form": {"errors": [], "children": {field: {"errors": [message]}}}}


def page_limit(query: Mapping[str, List[str]]) -> Tuple[int, Optional[Answer]]:
    """The `limit` a list request asks for (default 20), or the 400 the API answers for one out of 1..MAX_LIMIT."""
    try:
        limit = int(first(query, "limit") or 20)
    except ValueError:
        return 0, validation_error("limit", "This value is not valid.")
    if not 1 <= limit <= MAX_LIMIT:
        return 0, validation_error("limit", f"This value should be between 1 and {MAX_LIMIT}.")
    return limit, None


def not_found(what: str) -> Answer:
    return 404, {}, {"error": "not_found", "error_description": f"{what} does not exist."}


def parse_date(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class MentionApi:
    """Routes `/api/...` requests of one account; `max_page_size` can cap pages below `limit`."""

    def __init__(self, data: MentionDataSet, token: str, no_plan_token: str, max_page_size: int = MAX_LIMIT):
        self.data = data
        self.token = token
        self.no_plan_token = no_plan_token
        self.max_page_size = max_page_size
        self.deleted_alerts: set[str] = set()
        # deleted between a client's listing and its read: listed until one of their resources answered 404, as a
        # real alert deleted right after the listing (its resources 404, a listing asked after that omits it)
        self.still_listed: set[str] = set()
        self.data_moved = False  # every alert's resources answer 404 while the alert list still answers (a moved API path)
        # numbers as text in mentions, integer tag ids and counts (the 1.19 reference's form; live answers carry strings)
        self.drifted_types = False
        self._published_index: Dict[Tuple[str, Tuple[str, ...]], Tuple[int, int, List[Tuple[str, int]]]] = {}

    # -- entry point -------------------------------------------------------------------------
    def handle(self, path: str, query: Mapping[str, List[str]], headers: Mapping[str, str]) -> Answer:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip() or first(query, "access_token")
        if token == self.no_plan_token:
            return 403, {}, NO_API_PLAN
        if token != self.token:
            return 401, {}, INVALID_TOKEN
        parts = [part for part in path.split("/") if part][1:]  # drop "api"
        if len(parts) == 2 and parts[0] == "accounts":
            return self.account(parts[1])
        if len(parts) < 3 or parts[0] != "accounts" or parts[1] != self.data.account_id:
            return not_found("This resource")
        if parts[2:] == ["alerts"]:
            return self.alerts(query)
        if parts[2] == "stats" and len(parts) == 3:
            return self.stats(query)
        if len(parts) == 5 and parts[2] == "alerts" and parts[4] == "mentions":
            return self.mentions(parts[3], query)
        if len(parts) == 5 and parts[2] == "alerts" and parts[4] in ("tags", "authors", "tasks"):
            return self.alert_list_of(parts[3], parts[4], query)
        if len(parts) == 7 and parts[2] == "alerts" and parts[4] == "mentions" and parts[6] == "children":
            return self.children(parts[3], parts[5], query)
        return not_found("This resource")

    # -- resources ---------------------------------------------------------------------------
    def account(self, account_id: str) -> Answer:
        if account_id not in ("me", self.data.account_id):
            return not_found("This account")
        return 200, {}, {"account": self.data.account}

    def alerts(self, query: Mapping[str, List[str]]) -> Answer:
        limit = int(first(query, "limit") or 20)
        alerts = [a for a in self.data.alert_list if a["id"] not in self.deleted_alerts or a["id"] in self.still_listed]
        start = int(decode_cursor(first(query, "cursor")).get("offset", 0))
        page = [self.data.alert_with_stats(alert) for alert in alerts[start : start + min(limit, self.max_page_size)]]
        links: Dict[str, Any] = {}
        if start + len(page) < len(alerts):
            params = {"limit": limit, "cursor": encode_cursor({"offset": start + len(page)})}
            links["more"] = {"href": self._href("alerts", params), "params": params}
        return 200, {}, {"alerts": page, "_links": links}

    def _gone(self, alert_id: str) -> bool:
        """Whether the alert's resources answer 404; a deleted alert is no longer listed once one did."""
        if self.data_moved:
            return True
        if alert_id in self.deleted_alerts:
            self.still_listed.discard(alert_id)
            return True
        return alert_id not in self.data.mentions

    def mentions(self, alert_id: str, query: Mapping[str, List[str]]) -> Answer:
        if self._gone(alert_id):
            return not_found("This alert")
        limit, invalid = page_limit(query)
        if invalid is not None:
            return invalid
        size = min(limit, self.max_page_size)
        since_id = first(query, "since_id")
        folder = first(query, "folder")
        if folder is not None and folder not in FOLDERS:
            return validation_error("folder", "This value is not valid.")
        folders = (folder,) if folder else DEFAULT_FOLDERS
        with self.data.lock:
            mentions = [m for m in self.data.mentions[alert_id] if m["folder"] in folders]
        if since_id is not None:
            if any(first(query, name) for name in ("before_date", "not_before_date", "cursor")):
                return validation_error("since_id", "since_id cannot be combined with before_date, not_before_date or cursor.")
            page, more = self._since_id_page(mentions, since_id, size)
            more_params = {"limit": limit, "since_id": page[-1]["id"]} if more else None
            if more_params and folder:
                more_params["folder"] = folder
        else:
            page, more, position = self._published_page((alert_id, folders), mentions, query, size)
            more_params = {"limit": limit, "cursor": encode_cursor(position)} if more else None
            if more_params and folder:
                more_params["folder"] = folder
        base = f"alerts/{alert_id}/mentions"
        links: Dict[str, Any] = {}
        if more_params:
            links["more"] = {"href": self._href(base, more_params), "params": more_params}
        pull = {"limit": limit, "since_id": mentions[-1]["id"] if mentions else "0"}
        links["pull"] = {"href": self._href(base, pull), "params": pull}
        # top-level flags of the 2018 recorded answer: the alert's history window and whether it was cut
        history = {
            "truncated_after": mentions[-1]["created_at"] if mentions else w3c(datetime.now(timezone.utc)),
            "truncated_before": w3c(self.data.now - timedelta(days=self.data.days)),
            "recently_reenabled": False,
            "reached_history_limit": False,
        }
        if self.drifted_types:
            page = [{**m, **{k: str(m[k]) for k in ("tone", "direct_reach", "cumulative_reach") if m.get(k) is not None}} for m in page]
        return 200, {}, {"mentions": page, "_links": links, **history}

    def alert_list_of(self, alert_id: str, kind: str, query: Mapping[str, List[str]]) -> Answer:
        """Tags (one answer, `_links` an empty array), authors and tasks (pages of `limit`, `_links.more.params` while more remain)."""
        if self._gone(alert_id):
            return not_found("This alert")
        with self.data.lock:
            mentions = list(self.data.mentions[alert_id])
        if kind == "tags":
            tags = alert_tags(mentions)
            if self.drifted_types:
                tags = [{**tag, "id": int(tag["id"]), "mention_count": int(tag["mention_count"])} for tag in tags]
            return 200, {}, {"tags": tags, "_links": []}
        rows = alert_authors(alert_id, mentions) if kind == "authors" else alert_tasks(mentions)
        limit, invalid = page_limit(query)
        if invalid is not None:
            return invalid
        start = int(decode_cursor(first(query, "cursor")).get("offset", 0))
        page = rows[start : start + min(limit, self.max_page_size)]
        base = f"alerts/{alert_id}/{kind}"
        links: Dict[str, Any] = {}
        if start + len(page) < len(rows):
            params = {"limit": limit, "cursor": encode_cursor({"offset": start + len(page)})}
            links["more"] = {"href": self._href(base, params), "params": params}
        if kind == "tasks":  # the recorded task list carries a pull link (API-REFERENCE.md 2.6)
            pull = {"limit": limit, "since_id": rows[-1]["id"] if rows else "0"}
            links["pull"] = {"href": self._href(base, pull), "params": pull}
        return 200, {}, {kind: page, "_links": links}

    def children(self, alert_id: str, mention_id: str, query: Mapping[str, List[str]]) -> Answer:
        """Children newest first, `limit` a page, `_links.more.params {limit, before_date}` while more remain, else `[]`."""
        if self._gone(alert_id):
            return not_found("This alert")
        with self.data.lock:
            mention = next((m for m in self.data.mentions[alert_id] if m["id"] == mention_id), None)
        if mention is None:
            return not_found("This mention")
        limit = int(first(query, "limit") or 20)
        before = first(query, "before_date")
        children = sorted(all_children(mention, self.data.account_id), key=lambda child: child["published_at"], reverse=True)
        if before:
            children = [child for child in children if parse_date(child["published_at"]) < parse_date(before)]
        page = children[: min(limit, self.max_page_size)]
        links: Any = []
        if len(page) < len(children):
            params = {"limit": limit, "before_date": page[-1]["published_at"]}
            links = {"more": {"href": self._href(f"alerts/{alert_id}/mentions/{mention_id}/children", params), "params": params}}
        return 200, {}, {"children": page, "_links": links}

    def _since_id_page(self, mentions: List[Dict[str, Any]], since_id: str, size: int) -> Tuple[list, bool]:
        ids = [int(m["id"]) for m in mentions]  # ascending: ids are handed out in discovery order
        start = bisect_right(ids, int(since_id))
        page = mentions[start : start + size]
        return page, start + size < len(mentions)

    def _published_page(
        self, listing: Tuple[str, Tuple[str, ...]], mentions: List[Dict[str, Any]], query: Mapping[str, List[str]], size: int
    ) -> Tuple[list, bool, Dict[str, Any]]:
        """Newest published first; ties on published_at broken by id, so a cursor never skips one."""
        cursor = decode_cursor(first(query, "cursor")) if first(query, "cursor") else {}
        upper = cursor.get("after") or ([w3c(parse_date(first(query, "before_date"))), -1] if first(query, "before_date") else None)
        lower_text = cursor.get("not_before") or (w3c(parse_date(first(query, "not_before_date"))) if first(query, "not_before_date") else None)
        keys = self._published_keys(listing, mentions)
        end = bisect_left(keys, tuple(upper)) if upper else len(keys)
        begin = bisect_left(keys, (lower_text, -1)) if lower_text else 0
        chosen = keys[max(begin, end - size) : end][::-1]
        by_id = {int(m["id"]): m for m in mentions}
        page = [by_id[key[1]] for key in chosen]
        more = end - len(chosen) > begin
        position = {"after": list(chosen[-1]) if chosen else upper, "not_before": lower_text}
        return page, more, position

    def _published_keys(self, listing: Tuple[str, Tuple[str, ...]], mentions: List[Dict[str, Any]]) -> List[Tuple[str, int]]:
        """(published_at, id) of an alert's listing in some folders, sorted; built again after mentions were found or edited."""
        cached = self._published_index.get(listing)
        if cached and cached[:2] == (len(mentions), self.data.revision):
            return cached[2]
        keys = sorted((m["published_at"], int(m["id"])) for m in mentions)
        self._published_index[listing] = (len(mentions), self.data.revision, keys)
        return keys

    def stats(self, query: Mapping[str, List[str]]) -> Answer:
        """GetStats: one object keyed by alert id (shape from API-REFERENCE.md 2.9).

        Mentions are counted by publication date in `timezone`, per interval (P1D, P1W from Monday,
        P1M); each interval is keyed by its first local date. `from`/`to` are read in `timezone`
        unless they carry an offset. Tones, sources and languages are totals of [from, to].
        """
        alert_ids = query.get("alerts[]") or []
        if not alert_ids:
            return validation_error("alerts", "This value should not be blank.")
        interval = first(query, "interval") or "P1D"
        if interval not in INTERVAL_STARTS:
            return validation_error("interval", "This value is not valid: use P1D, P1W or P1M.")
        try:
            zone = ZoneInfo(first(query, "timezone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return validation_error("timezone", "This value is not a valid timezone.")
        now = datetime.now(zone)
        try:
            start = local_moment(first(query, "from"), zone) or now - timedelta(days=30)
            end = local_moment(first(query, "to"), zone) or now
        except ValueError:
            return validation_error("from", "This value is not a valid date.")
        begin_key, end_key = INTERVAL_STARTS[interval](start.date()), INTERVAL_STARTS[interval](end.date())
        keys = []
        key = begin_key
        while key <= end_key:
            keys.append(key)
            key = next_interval(key, interval)
        open_key = INTERVAL_STARTS[interval](now.date())
        stats = {}
        for alert_id in alert_ids:
            if self._gone(alert_id):
                return not_found("This alert")
            with self.data.lock:
                published = [(parse_date(m["published_at"]).astimezone(zone), m) for m in self.data.mentions[alert_id]]
            in_period = [(moment, m) for moment, m in published if start <= moment <= end]
            per_interval = Counter(INTERVAL_STARTS[interval](moment.date()) for moment, _ in in_period)
            counts = [per_interval[key] for key in keys]
            alert = next(a for a in self.data.alert_list if a["id"] == alert_id)
            # the alert's own sources and languages are listed with 0 when nothing was found (as in real answers)
            sources = {**dict.fromkeys(alert["sources"], 0), **Counter(m["source_type"] for _, m in in_period)}
            languages = {**dict.fromkeys(alert["languages"], 0), **Counter(m["language_code"] for _, m in in_period)}
            tones = Counter(str(m["tone"]) for _, m in in_period)
            stats[alert_id] = {
                "alert_id": int(alert_id),
                "incomplete_datapoints": [open_key.isoformat()] if open_key in keys else [],
                "mentions_per_interval": {
                    "data": {key.isoformat(): count for key, count in zip(keys, counts)},
                    "avg": round(sum(counts) / len(counts), 2) if counts else 0,
                    "min": min(counts, default=0),
                    "max": max(counts, default=0),
                    "total": sum(counts),
                },
                "tones_total": {"data": {tone: tones[tone] for tone in ("-1", "0", "1")}, "total": len(in_period)},
                "sources_total": {"data": sources, "total": len(in_period)},
                "languages_total": {"data": languages, "total": len(in_period)},
            }
        return 200, {}, {"from": w3c_local(start), "to": w3c_local(end), "stats": stats}

    def _href(self, resource: str, params: Mapping[str, Any]) -> str:
        return f"/api/accounts/{self.data.account_id}/{resource}?{urlencode(params)}"


def local_moment(text: Optional[str], zone: ZoneInfo) -> Optional[datetime]:
    """A `from`/`to` value: read in `zone` when it has no offset (the docs' form 2015-03-27T00:00:00.0)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def w3c_local(moment: datetime) -> str:
    """Mention's W3C form with the moment's own offset: 2026-11-01T00:00:00.0+01:00."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + str(moment.microsecond // 100000) + moment.isoformat()[-6:]


def next_interval(start: date, interval: str) -> date:
    if interval == "P1M":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7 if interval == "P1W" else 1)


# the first local date of the interval holding a date; weeks start on Monday
INTERVAL_STARTS: Dict[str, Callable[[date], date]] = {
    "P1D": lambda day: day,
    "P1W": lambda day: day - timedelta(days=day.weekday()),
    "P1M": lambda day: day.replace(day=1),
}


def first(query: Mapping[str, List[str]], name: str) -> Optional[str]:
    values = query.get(name)
    return values[0] if values else None


def encode_cursor(position: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def decode_cursor(cursor: Optional[str]) -> Dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else {}
