"""Deterministic Mention data set: one account, its alerts and their mentions.

Ids are handed out in discovery order, publication dates are not: a page of mentions
found today can contain an article published weeks ago. Many mentions share one
timestamp so that pagination by date has to cope with ties.

Shapes follow the documented and recorded answers (API-REFERENCE.md 2.1-2.4, api-docs/003;
unit_tests/resource/http/response/mention/ holds one answer of each endpoint): alert ids are strings but numbers inside
mentions, `author_influence.alert_id` is a string, Twitter authors have `realname` and no `name`,
`tone_score` is sometimes an integer and sometimes a decimal, tag ids and counts and alert
counters are strings, and children carry `parent_id` (a number or a string of digits).
"""

from __future__ import annotations

import base64
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

from .articles import mention_spelling

SOCIAL_SOURCES = ("twitter", "facebook", "instagram")
OTHER_SOURCES = ("web", "news", "blogs", "forums", "videos")
RESTRICTED_FIELDS = ("title", "description", "description_medium", "description_short", "source_name", "source_url", "picture_url")
TIE_GROUP = 7  # every run of this many consecutive mentions shares one published_at
EMOTIONS = {-1: ["anger"], 0: [], 1: ["joy"]}
TAGS = ("launch", "support", "press")
FOLDERS = ("inbox", "archive", "spam", "trash")  # public docs: the `folder` filter's values
DEFAULT_FOLDERS = ("inbox", "archive")  # a list read without `folder` (API-REFERENCE.md 2.3; README "Assumptions")
EDITABLE = ("tone", "folder", "read", "favorite", "tags")  # what a user changes on a mention in Mention's app


def w3c(moment: datetime) -> str:
    """Mention's W3C date: fractional seconds (8 digits) and a +00:00 offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}00+00:00"


def graphql_id(kind: str, key: str) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


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
        self.revision = 0  # counts edits, so that listings cached by the API are built again
        self.account = self._account()
        self.alert_list: List[Dict[str, Any]] = []
        self.mentions: Dict[str, List[Dict[str, Any]]] = {}
        for index in range(self.alerts):
            alert_id = str(2_000_000 + index)
            self.alert_list.append(self._alert(alert_id, index))
            self.mentions[alert_id] = []
        for alert_id in self.mentions:
            self.discover(alert_id, self.mentions_per_alert, oldest_days=self.days)

    def _account(self) -> Dict[str, Any]:
        """`GET /accounts/me`: the fields of API-REFERENCE.md 2.1."""
        email_inapp = {"email": True, "inapp": True}
        everywhere = {"desktop": False, "email": True, "inapp": True}
        return {
            "id": self.account_id,
            "name": "Sandbox Corp",
            "email": "owner@example.com",
            "avatar_url": "https://img.example.com/avatars/owner.png",
            "company_name": "Sandbox Corp",
            "company_size": "11-50",
            "client_state": "active",
            "graphQLID": graphql_id("Account", self.account_id),
            "language_code": "en",
            "registration_country": "FR",
            "team_id": f"{self.account_id}_team",
            "timezone": "Europe/Paris",
            "created_at": w3c(self.now - timedelta(days=900)),
            "updated_at": w3c(self.now - timedelta(days=2)),
            "bucket": 91,
            "trial_search_count": 0,
            "seen_onboarding": 1,
            "enabled_MFA": False,
            "validated_MFA": False,
            "extended_profile_set": True,
            "hide_mark_all_read_mentions": False,
            "team_has_exceeded_quota_on_accessible_resources": False,
            "team_has_reached_quota_on_accessible_resources": False,
            "email_subscriptions": {"quota_exceeded": True},
            "features": [],
            "groups": [
                {
                    "id": f"{self.account_id}_group",
                    "name": "Sandbox team",
                    "graphQLID": graphql_id("Group", self.account_id),
                    "image_url": "https://img.example.com/groups/team.png",
                    "number_of_alerts": self.alerts,
                    "group_has_exceeded_quota_on_accessible_resources": False,
                    "group_has_reached_quota_on_accessible_resources": False,
                    "publish_approval_workflow_enabled": False,
                    "permissions": {"create_alert": True, "read_groups": True, "invite": True, "read_reports": False},
                }
            ],
            "notifications_preferences": {
                "alert_notifications": {"alert_notif_alert_shared_with_you": email_inapp, "alert_notif_quota_exceeded": email_inapp},
                "publish_notifications": {"publish_notif_failure": everywhere, "publish_notif_success": everywhere},
                "pulse_notifications": {"default_trending_email_notification_frequency": "occasionally"},
                "respond_notifications": {"respond_notif_new_message": everywhere},
                "team_notifications": {"team_notif_user_promoted": email_inapp},
                "top_mentions_notifications": {"default_email_notification_frequency": "daily", "grouped_email_notification": True},
                "unsubscribe_notifications": {"application_notification_enabled": True, "marketing_notification_enabled": False},
            },
            "permissions": {"create_alert": True, "read_quotastats": True, "read_teammembers": True, "read_teamrequests": True},
            "signup_values": {"industry": "software", "job_position": "marketing"},
            "subscription": {
                "plan_category": "business",
                "plan_code": "company_3",
                "plan_name": "Company",
                "max_alerts": 10,
                "max_languages_per_alert": 5,
                "max_members": 5,
                "max_reports": 20,
                "mentions_quota": 100_000,
                "mentions_remaining": 96_512,
                "history": 365,
                "resets_at": w3c(self.now + timedelta(days=12)),
                "statistics_access": True,
                "sentiment_analysis_access": True,
                "search_access": True,
                "tiktok_crawling_access": False,
                "trial_plan": False,
                "feature_discovery": {"add_alert": True, "check_stats": True},
                "permissions": {"manage": True, "change_plan": False},
            },
        }

    def _alert(self, alert_id: str, index: int) -> Dict[str, Any]:
        """One `alerts` item: the fields of API-REFERENCE.md 2.2 (counters in `stats` come with each answer)."""
        keyword = f"brand{index + 1}"
        return {
            "id": alert_id,
            "name": f"Brand watch {index + 1}",
            "description": f"Everything said about {keyword}",
            "type": "company_3",
            "color": "#27aae1",
            "connection_type": "main" if index == 0 else "related",
            "graphQLID": graphql_id("Alert", alert_id),
            "group_id": f"{self.account_id}_group",
            "group_graphQLID": graphql_id("Group", self.account_id),
            "read_access_secret": f"secret{alert_id}",
            "role": "admin",
            "created_at": w3c(self.now - timedelta(days=400 - index)),
            "updated_at": w3c(self.now - timedelta(days=3)),
            "last_update": w3c(self.now - timedelta(days=3)),
            "index_version": 7,
            "quota_used": 0,
            "display_empty_feed_suggestions": False,
            "has_a_generated_alert_summary": False,
            "look_for_spread": False,
            "noise_detection": True,
            "paused": False,
            "sentiment_analysis": True,
            "query": {
                "type": "basic",
                "included_keywords": [keyword],
                "required_keywords": [],
                "excluded_keywords": [f"{keyword} jobs"],
                "monitored_website": {"domain": f"{keyword}.example.com", "block_self": False},
            },
            "languages": ["en", "fr"],
            "countries": ["US", "FR"],
            "sources": list(OTHER_SOURCES + SOCIAL_SOURCES),
            "mentions_sources": list(OTHER_SOURCES + SOCIAL_SOURCES),
            "blocked_sites": [f"spam-{keyword}.example.com"],
            "monitored_facebook_pages": [
                {"type": "url", "url": f"http://facebook.com/{keyword}", "facebook_id": str(10_862_404_186 + index),
                 "name": keyword, "block_self": True, "block_comments": True, "valid": True}
            ],
            "monitored_twitter_accounts": [
                {"type": "url", "url": f"http://twitter.com/{keyword}", "name": f"@{keyword}", "block_self": True, "valid": True}
            ],
            "monitored_instagram_accounts": [],
            "monitored_linkedin_pages": [],
            "hd": {"enabled": False, "pending": False, "progress": 100},
            "permissions": {
                "can_use_linkedin_sources": False, "can_use_reviews_sources": False, "can_use_twitter_sources": True,
                "create_tag": True, "edit": True, "edit_mentions": True, "export_mentions": True,
                "list_logs": False, "list_tasks": True, "share": True,
            },
            "shares": [
                {
                    "id": self.account_id,
                    "account": {**self.account, "signup_values": []},  # the empty-array form of signup_values
                    "blocked": False,
                    "created_at": w3c(self.now - timedelta(days=400 - index)),
                    "last_seen_count": 0,
                    "permissions": {"edit": True, "delete": True},
                    "role": "admin",
                    "subscriber": False,
                    "weight": 100 * (index + 1),
                }
            ],
            "slack_configuration": {
                "is_configured": False, "minimal_influence_score": 50, "new_mentions": False,
                "recurring_recap": False, "timezone": "Europe/Paris",
            },
        }

    def alert_with_stats(self, alert: Dict[str, Any]) -> Dict[str, Any]:
        """The alert as the API answers it: counters of its mentions, each `{"total": "<digits>"}`."""
        with self.lock:
            mentions = list(self.mentions.get(alert["id"], []))
        by_source: Dict[str, int] = {}
        for mention in mentions:
            by_source[mention["source_type"]] = by_source.get(mention["source_type"], 0) + 1
        unread = sum(1 for mention in mentions if not mention["read"])
        favorite = sum(1 for mention in mentions if mention["favorite"])
        tasks = sum(len(mention["tasks"]) for mention in mentions)
        total = lambda count: {"total": str(count)}  # noqa: E731
        stats = {
            "mention_sources": {"total": str(len(mentions)), **{source: str(count) for source, count in sorted(by_source.items())}},
            "mention_folders": {folder: total(sum(1 for m in mentions if m["folder"] == folder)) for folder in FOLDERS},
            "unread_mentions": total(unread),
            "unseen_mentions": total(unread),
            "favorite_mentions": total(favorite),
            "tasks": total(tasks),
            "todo_tasks": total(tasks),
            "done_tasks": total(0),
            "logs": total(0),
        }
        return {**alert, "stats": stats}

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

    def edit(self, mention_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
        """A user edits a mention in Mention's app: tone, folder, read, favorite or tags (tag names); returns the mention.

        The edit stamps `updated_at`; a folder chosen by the user sets `folder_set_by_user`.
        """
        unknown = set(changes) - set(EDITABLE)
        if unknown or ("folder" in changes and changes["folder"] not in FOLDERS) or ("tone" in changes and changes["tone"] not in (-1, 0, 1)):
            raise ValueError(f"editable: {', '.join(EDITABLE)}; folder one of {FOLDERS}; tone -1, 0 or 1; got {changes}")
        with self.lock:
            mention = next((m for items in self.mentions.values() for m in items if m["id"] == str(mention_id)), None)
            if mention is None:
                raise ValueError(f"no mention {mention_id}")
            for name, value in changes.items():
                if name == "tags":
                    value = [{"id": str(46_460 + TAGS.index(tag)), "name": tag, "keywords": ["brand"], "mention_count": "1"} for tag in value]
                mention[name] = value
            if "tone" in changes:
                mention["emotions"] = EMOTIONS[changes["tone"]]
            if "folder" in changes:
                mention["folder_set_by_user"] = True
            mention["updated_at"] = w3c(datetime.now(timezone.utc))
            self.revision += 1
            return dict(mention)

    def _mention(self, alert_id: str, published: datetime, found_at: datetime) -> Dict[str, Any]:
        self._next_id += self._rng.randint(1, 3)
        rng = self._rng
        source = rng.choice(OTHER_SOURCES + SOCIAL_SOURCES)
        mention = mention_object(
            str(self._next_id), alert_id, source, published, found_at,
            country=rng.choice(["US", "FR", "GB", "DE"]),
            favorite=rng.random() < 0.1,
            tone=rng.choice([-1, 0, 0, 1]),
            language=rng.choice(["en", "fr"]),
            score=rng.randint(0, 100),
        )
        number = int(mention["id"])
        shared = mention_spelling(number) if source in OTHER_SOURCES else None  # an article Mentionlytics reports too
        if shared:
            mention.update(original_url=shared, unique_id=shared, displayable_url=shared.split("://", 1)[1])
        # every 11th has a task, and so has every mention (number % 48 == 8) whose list embeds 2 of its 3 children
        if number % 11 == 0 or number % 48 == 8:
            mention["tasks"] = [self._task(mention["id"], found_at)]
        if number % 8 == 0:
            mention["children"] = children_of(mention, self.account_id, count=1 + number % 16 // 8, total=1 + number % 3)
        return mention

    def _task(self, mention_id: str, created: datetime) -> Dict[str, Any]:
        """A task on a mention; its accounts carry a few of the account's fields (real ones carry all: bulk only)."""
        who = {key: self.account[key] for key in ("id", "name", "email", "avatar_url", "language_code", "timezone", "created_at", "updated_at")}
        return {
            "id": f"task{mention_id}",
            "type": "todo",
            "comment": "Answer this one",
            "done": False,
            "created_at": w3c(created),
            "updated_at": w3c(created),
            "permissions": {"delete": True, "mark_done": True},
            "assigned_by_account": who,
            "assigned_to_account": who,
        }


def mention_object(
    mention_id: str, alert_id: str, source: str, published: datetime, found_at: datetime,
    country: str, favorite: bool, tone: int, language: str, score: int,
) -> Dict[str, Any]:
    """A mention of one source, as the list, the stream and (with parent_id) the children answer it."""
    number = int(mention_id)
    url = f"https://example.com/{source}/{mention_id}"
    mention: Dict[str, Any] = {
        "id": mention_id,
        "alert_id": int(alert_id),
        "graphQLID": graphql_id("Mention", mention_id),
        "title": f"Article {mention_id} about the brand",
        "description": f"Text of mention {mention_id} that names the brand twice: brand, brand.",
        "description_medium": f"Text of mention {mention_id} that names the brand twice",
        "description_short": f"... mention {mention_id} names the brand ...",
        "original_url": url,
        "clickable_url": f"https://web.mention.com/api/url?token={mention_id}",
        "displayable_url": url.split("://", 1)[1],
        "display_site": True,
        "unique_id": url,
        "published_at": w3c(published),
        "created_at": w3c(found_at),
        "updated_at": w3c(found_at),
        "country": country,
        "favorite": favorite,
        "folder": "inbox",
        "folder_set_by_user": False,
        "read": False,
        "tone": tone,
        # an integer in one recorded answer, a decimal in another
        "tone_score": tone if number % 3 == 0 else round(tone * 0.5 + (number % 50) / 100, 6),
        "relevance_score": number % 100,
        "emotions": EMOTIONS[tone],
        "source_type": source,
        "source_name": f"{source.title()} Daily",
        "source_url": f"https://example.com/{source}/",
        "language_code": language,
        "tasks": [],
        "logs": [],
        "tags": [{"id": str(46_460 + number % 3), "name": TAGS[number % 3], "keywords": ["brand"], "mention_count": str(number % 40 + 1)}] if number % 5 == 0 else [],
        "picture_url": f"//img.example.com/{mention_id}.png",
        "children": {"children": [], "total": 0},
        "offsets": {
            "title": [0, 0, 5, 5], "description": [33, 33, 5, 5], "description_medium": [33, 33, 5, 5],
            "description_short": [14, 14, 5, 5], "url": [], "source_name": [], "source_url": [],
        },
        "permissions": {
            "favorite": True, "change_folder": True, "create_task": True, "edit": True,
            "share_email": True, "share_facebook": True, "share_buffer": True,
        },
        "author_influence": author_of(mention_id, alert_id, source, score, country),
    }
    if source in SOCIAL_SOURCES:
        for restricted in RESTRICTED_FIELDS:
            del mention[restricted]
        mention.update(direct_reach=number % 5000, cumulative_reach=number % 5000 * 3, source_gender="brand" if number % 2 else "female")
    else:
        mention.update(_c="r", domain_reach=number % 20_000)
    if source == "twitter":
        mention["metadata"] = {"twitter": {"id_str": str(8 * 10**17 + number), "user": {"id_str": "188302352"}}}
    return mention


def author_of(mention_id: str, alert_id: str, source: str, score: int, country: str) -> Dict[str, Any]:
    """`author_influence`: its `alert_id` is a string; Twitter authors have `realname` but no `name`, url or scored_id."""
    handle = f"author{int(mention_id) % 97}"
    author: Dict[str, Any] = {
        "id": str(3_000_000 + int(mention_id)),
        "alert_id": alert_id,
        "kind": "twitter" if source == "twitter" else "web",
        "realname": handle.title(),
        "score": score,
        "country": country,
        "picture": f"https://img.example.com/authors/{handle}.png",
        "topics": ["Business", "Internet"],
        "graphQLID": graphql_id("Influencer", f"{alert_id}_{mention_id}"),
    }
    if source == "twitter":
        author.update(followers_count=int(mention_id) % 9000, followings_count=int(mention_id) % 700, posts_count=int(mention_id) % 12_000,
                      description=f"{handle.title()} tweets about brands")
    else:
        author.update(name=handle, url=f"https://example.com/authors/{handle}", scored_id=handle, author_unique_id=f"{handle}.example.com")
    return author


def children_of(parent: Dict[str, Any], account_id: str, count: int, total: int) -> Dict[str, Any]:
    """Embedded children (e.g. retweets): at most 3 inline, each with `parent_id`; `_links.more` while more exist."""
    published = datetime.fromisoformat(parent["published_at"][:26] + "+00:00")
    children = []
    for position in range(count):
        child_id = f"9{int(parent['id']):09d}{position}"
        child = mention_object(
            child_id, str(parent["alert_id"]), parent["source_type"], published + timedelta(minutes=position + 1),
            published + timedelta(minutes=position + 2), country=parent.get("country") or "US", favorite=False,
            tone=parent["tone"], language=parent["language_code"], score=parent["author_influence"]["score"],
        )
        # Airbyte's import has a number, the 2018 recorded answer a string of digits
        child["parent_id"] = int(parent["id"]) if position % 2 == 0 else parent["id"]
        children.append(child)
    total = max(total, count)
    if total > count:
        before = children[-1]["published_at"]
        params = {"limit": 20, "before_date": before}
        href = f"/api/accounts/{account_id}/alerts/{parent['alert_id']}/mentions/{parent['id']}/children?{urlencode(params)}"
        links: Any = {"more": {"href": href, "params": params}}
    else:
        links = []  # as the children endpoint answers on its last page
    return {"children": children, "total": total, "_links": links}


# -- per-alert lists derived from the alert's mentions (API-REFERENCE.md 2.4-2.7) ---------------------------------------


def alert_tags(mentions: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """`GET .../tags`: every tag the sandbox hands out, with the alert's count of mentions carrying it (a string)."""
    counts: Dict[str, int] = {}
    for mention in mentions:
        for tag in mention["tags"]:
            counts[tag["id"]] = counts.get(tag["id"], 0) + 1
    return [
        {"id": str(46_460 + index), "name": name, "keywords": ["brand", name], "mention_count": str(counts.get(str(46_460 + index), 0))}
        for index, name in enumerate(TAGS)
    ]


def alert_authors(alert_id: str, mentions: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """`GET .../authors`: one row per author of the alert's mentions, most mentions first.

    Web authors carry author_unique_id, name, url and scored_id; Twitter authors only an id and a
    realname (as in the mentions' author_influence). Every fifth web author has one sub-author.
    """
    rows: Dict[tuple, Dict[str, Any]] = {}
    for mention in mentions:
        influence = mention["author_influence"]
        handle = influence["realname"].lower()
        number = int(handle.removeprefix("author"))
        row = rows.get((influence["kind"], handle))
        if row is None:
            row = {
                "id": str((4_000_000 if influence["kind"] == "twitter" else 5_000_000) + number),
                "alert_id": alert_id,
                "kind": influence["kind"],
                "realname": influence["realname"],
                "picture": influence["picture"],
                "country": influence["country"],
                "graphQLID": graphql_id("Influencer", f"{alert_id}_{influence['kind']}_{handle}"),
                "topics": influence["topics"],
                "score": influence["score"],
                "max_domain_reach": 0,
                "mentions_count": 0,
                "tone": {"-1": 0, "0": 0, "1": 0, "total": 0},
                "sub_authors": [],
            }
            if influence["kind"] != "twitter":
                for key in ("author_unique_id", "name", "url", "scored_id"):
                    row[key] = influence[key]
                if number % 5 == 0:
                    row["sub_authors"] = [{
                        "id": str(6_000_000 + number), "alert_id": alert_id, "author_unique_id": f"twitter.com/{handle}",
                        "kind": "twitter", "name": handle, "realname": influence["realname"], "scored_id": f"@{handle}",
                        "url": f"https://twitter.com/{handle}", "country": influence["country"],
                        "graphQLID": graphql_id("Influencer", f"{alert_id}_sub_{handle}"), "score": influence["score"] / 2,
                    }]
            rows[(influence["kind"], handle)] = row
        row["mentions_count"] += 1
        row["tone"][str(mention["tone"])] += 1
        row["tone"]["total"] += 1
        row["score"] = max(row["score"], influence["score"])
        row["max_domain_reach"] = max(row["max_domain_reach"], mention.get("domain_reach") or 0)
    return sorted(rows.values(), key=lambda row: (-row["mentions_count"], row["kind"], row["realname"]))


def alert_tasks(mentions: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """`GET .../tasks`: the tasks of the alert's mentions, oldest first, each with its mention."""
    return [{**task, "mention": mention} for mention in mentions for task in mention["tasks"]]


def all_children(mention: Dict[str, Any], account_id: str) -> List[Dict[str, Any]]:
    """`GET .../mentions/{id}/children`: every child of the mention (the list embeds at most a few), oldest first."""
    total = (mention.get("children") or {}).get("total") or 0
    return children_of(mention, account_id, count=total, total=total)["children"] if total else []
