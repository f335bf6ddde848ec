"""HTTP server on 127.0.0.1 in front of the provider models, with fault injection.

Faults apply to provider paths only; `/_sandbox/...` is the control plane that tests and the
demo use to inspect the data set, make Mention find new mentions, edit mentions as a user would,
and switch faults on.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from time import sleep as network_sleep  # the network's own time: a test that replaces time.sleep keeps it
from dataclasses import asdict, dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from .data import MentionDataSet
from .mention_api import MentionApi
from .mention_stream import MALFORMED_LINE, MentionStream, StreamSettings
from .mentionlab_api import MentionlabApi
from .mentionlytics_api import MentionlyticsApi
from .sociovite_api import SocioviteApi

SANDBOX_TOKEN = "sandbox-token"
NO_API_PLAN_TOKEN = "sandbox-token-without-api-plan"
SOCIOVITE_TOKEN = "sociovite-token"  # "...-forbidden" answers 403
MENTIONLAB_API_KEY = "ml_live_sandbox"


@dataclass
class Faults:
    """What goes wrong, and how often. Rates are probabilities per request (seeded)."""

    latency_ms: float = 0.0
    error_rate: float = 0.0  # answer 500/502/503
    drop_rate: float = 0.0  # close the connection without an answer
    truncate_rate: float = 0.0  # announce the full Content-Length, send half the body, close
    broken_json_rate: float = 0.0  # a complete HTTP answer whose body is cut JSON
    rate_limit_every: int = 0  # every Nth request answers 429
    rate_limit_budget: int = 0  # requests allowed per window, then 429 until the window resets
    rate_limit_window_s: float = 1.0
    rate_limit_reset_header: bool = True  # send X-Rate-Limit-Reset (Mention) and Retry-After (others) with 429
    slow_rate: float = 0.0  # answer only after slow_s seconds (past a client's read timeout)
    slow_s: float = 0.0
    # answer every provider request with a 307 to this base URL (the same sandbox under another
    # host name, e.g. http://localhost:<port>); requests already addressed to it are served
    redirect_to: str = ""
    endless_cursor: bool = False  # every answer names the same next page again (endless_next_page)
    seed: int = 7


class Sandbox:
    """Every provider's API model, the faults, and the request log.

    Paths: Mention at /api (its stream endpoint at /stream/api), Sociovite at /sociovite/api, Mentionlab at /mentionlab,
    Mentionlytics at /mentionlytics/v2.
    """

    def __init__(self, data: MentionDataSet, max_page_size: int = 1000):
        self.data = data
        self.mention = MentionApi(data, SANDBOX_TOKEN, NO_API_PLAN_TOKEN, max_page_size=max_page_size)
        self.mention_stream = MentionStream(data, SANDBOX_TOKEN)
        self.sociovite = SocioviteApi(SOCIOVITE_TOKEN)
        self.mentionlab = MentionlabApi(MENTIONLAB_API_KEY, max_page_size=max_page_size)
        self.mentionlytics = MentionlyticsApi()
        self.faults = Faults()
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self.requests: List[str] = []
        # per provider request: the Host it was addressed to and where a credential came with it
        self.arrivals: List[Dict[str, Any]] = []
        self._window_start = time.time()
        self._window_count = 0

    def set_faults(self, **changes: Any) -> Faults:
        known = {f.name for f in fields(Faults)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault switches: {sorted(unknown)}")
        with self._lock:
            self.faults = Faults(**{**asdict(Faults()), **changes})
            self._rng = random.Random(self.faults.seed)
            self._window_start, self._window_count = time.time(), 0
        return self.faults

    def draw_fault(self, path_and_query: str) -> Tuple[Optional[str], Optional[float]]:
        """Log the request and pick its fault: (kind or None, rate-limit reset time).

        A token refresh is never cut: with single-use refresh tokens, an answer lost after the
        server rotated the token cannot be recovered by any client (the old token is dead).
        """
        with self._lock:
            self.requests.append(path_and_query)
            count = len(self.requests)
            faults, rng = self.faults, self._rng
            if faults.rate_limit_budget:
                now = time.time()
                if now - self._window_start >= faults.rate_limit_window_s:
                    self._window_start, self._window_count = now, 0
                self._window_count += 1
                if self._window_count > faults.rate_limit_budget:
                    return "rate_limit", self._window_start + faults.rate_limit_window_s
            if faults.rate_limit_every and count % faults.rate_limit_every == 0:
                return "rate_limit", time.time() + faults.rate_limit_window_s
            roll = rng.random()
            for kind in ("error", "drop", "truncate", "broken_json", "slow"):
                rate = getattr(faults, f"{kind}_rate")
                if roll < rate:
                    if kind in ("drop", "truncate", "broken_json") and "/auth/refresh" in path_and_query:
                        return None, None
                    return kind, None
                roll -= rate
            return None, None

    def log_arrival(self, host: str, path: str, headers: Any, body: bytes) -> None:
        credentials = [name for name in ("Authorization", "x-api-key") if headers.get(name)]
        if b"refresh_token" in body:
            credentials.append("refresh_token in the body")
        with self._lock:
            self.arrivals.append({"host": host, "path": path, "credentials": credentials})

    def error_status(self) -> int:
        with self._lock:
            return self._rng.choice([500, 502, 503])


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "SandboxHTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from the base class
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        sandbox = self.server.sandbox
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/_sandbox/"):
            self._send(*self._control(url.path, query, body))
            return
        sandbox.log_arrival(self.headers.get("Host", ""), url.path, self.headers, body)
        redirect_to = sandbox.faults.redirect_to.rstrip("/")
        if redirect_to and self.headers.get("Host") != urlsplit(redirect_to).netloc:
            self._send(307, {"Location": redirect_to + self.path}, {"error": "moved"})
            return
        fault, reset_at = sandbox.draw_fault(self.path)
        if sandbox.faults.latency_ms:
            network_sleep(sandbox.faults.latency_ms / 1000)
        if fault == "slow":
            network_sleep(sandbox.faults.slow_s)
        if fault == "rate_limit":
            reset = int(reset_at + 0.999)
            headers = {"X-Rate-Limit-Reset": str(reset), "Retry-After": str(max(1, reset - int(time.time())))} if sandbox.faults.rate_limit_reset_header else {}
            self._send(429, headers, {"error": "rate_limited", "error_description": "Too many requests."})
            return
        if fault == "error":
            self._send(sandbox.error_status(), {}, {"error": "server_error"})
            return
        if fault == "drop":
            self.close_connection = True
            return
        path, headers_in = url.path, self.headers  # headers_in: case-insensitive lookups
        if path.startswith("/stream/"):
            status, headers, answer = sandbox.mention_stream.open(path, query, headers_in)
            if status == 200:
                self._stream_lines(answer)
            else:
                self._send(status, headers, answer)
            return
        if path.startswith("/api/"):
            status, headers, payload = sandbox.mention.handle(path, query, headers_in)
        elif path.startswith("/sociovite/"):
            status, headers, payload = sandbox.sociovite.handle(path, query, headers_in)
        elif path.startswith("/mentionlab/"):
            status, headers, payload = sandbox.mentionlab.handle(self.command, path, headers_in, body, query)
        elif path.startswith("/mentionlytics/"):
            paged = {**query, "page_no": ["0"]} if sandbox.faults.endless_cursor else query  # endless_cursor: page_no ignored
            status, headers, payload = sandbox.mentionlytics.handle(self.command, path, paged, headers_in, body)
        else:
            status, headers, payload = 404, {}, {"error": "not_found"}
        if sandbox.faults.endless_cursor and status == 200:
            payload = endless_next_page(path, query, body, payload)
        self._send(status, headers, payload, fault=fault)

    def _control(self, path: str, query: Dict[str, List[str]], body: bytes) -> Tuple[int, Dict[str, str], Any]:
        sandbox = self.server.sandbox
        data = sandbox.data
        params = json.loads(body) if body else {}
        if path == "/_sandbox/mentions":
            with data.lock:
                return 200, {}, {alert: [m["id"] for m in items] for alert, items in data.mentions.items()}
        if path == "/_sandbox/discover":
            found = {
                alert: data.discover(alert, int(params.get("count", 10)), float(params.get("oldest_days", 90)))
                for alert in params.get("alert_ids") or list(data.mentions)
            }
            return 200, {}, found
        if path == "/_sandbox/faults":
            try:
                return 200, {}, asdict(sandbox.set_faults(**params))
            except (TypeError, ValueError) as error:
                return 400, {}, {"error": str(error)}
        if path == "/_sandbox/data_moved":  # the listings answer, every item's data answers 404
            getattr(sandbox, params["provider"]).data_moved = bool(params.get("moved", True))
            return 200, {}, {"data_moved": params["provider"]}
        if path == "/_sandbox/drifted_types":  # Mention: numbers as text in mentions, integer tag ids and counts
            sandbox.mention.drifted_types = bool(params.get("on", True))
            return 200, {}, {"drifted_types": sandbox.mention.drifted_types}
        if path == "/_sandbox/edit_mentions":  # a user curates mentions in Mention's app: {"edits": [{"id", <field>: <value>}]}
            try:
                edited = [data.edit(edit["id"], {k: v for k, v in edit.items() if k != "id"}) for edit in params.get("edits", [])]
            except (KeyError, ValueError) as error:
                return 400, {}, {"error": str(error)}
            return 200, {}, {"edited": [{key: m[key] for key in ("id", "alert_id", "folder", "tone", "read", "favorite", "updated_at")} for m in edited]}
        if path == "/_sandbox/delete_alert":
            sandbox.mention.deleted_alerts.add(str(params["alert_id"]))
            if params.get("still_listed"):  # as if deleted right after the sync's listing: listed until its first 404
                sandbox.mention.still_listed.add(str(params["alert_id"]))
            return 200, {}, {"deleted": params["alert_id"]}
        if path == "/_sandbox/sociovite/mentions":
            with sandbox.sociovite.lock:
                return 200, {}, [m["id"] for m in sandbox.sociovite.mentions]
        if path == "/_sandbox/sociovite/projects":
            return 200, {}, list(sandbox.sociovite.projects)
        if path == "/_sandbox/sociovite/add":
            return 200, {}, sandbox.sociovite.add(int(params.get("count", 10)), float(params.get("days", 0)))
        if path == "/_sandbox/mentionlab/add":
            return 200, {}, {"added": sandbox.mentionlab.add(int(params.get("count", 10)), float(params.get("hours", 2)))}
        if path == "/_sandbox/mentionlab/analyses":
            return 200, {}, sandbox.mentionlab.result_ids()
        if path == "/_sandbox/mentionlab/brand_mentions":
            return 200, {}, sandbox.mentionlab.brand_mention_ids()
        if path == "/_sandbox/mentionlab/queries":
            return 200, {}, sandbox.mentionlab.query_ids()
        if path == "/_sandbox/mentionlab/ai_responses":
            return 200, {}, sandbox.mentionlab.ai_response_ids()
        if path == "/_sandbox/mentionlab/stats":
            return 200, {}, {"rate_limited": sandbox.mentionlab.rate_limited, "projects": len(sandbox.mentionlab.projects)}
        if path == "/_sandbox/mentionlytics/mentions":
            return 200, {}, sandbox.mentionlytics.ids()
        if path == "/_sandbox/mentionlytics/add":
            return 200, {}, sandbox.mentionlytics.add(int(params.get("count", 10)), float(params.get("days", 0)))
        if path == "/_sandbox/mentionlytics/settings":
            if "token_lifetime_s" in params:
                sandbox.mentionlytics.token_lifetime_s = float(params["token_lifetime_s"])
            return 200, {}, {"token_lifetime_s": sandbox.mentionlytics.token_lifetime_s, "refreshes": sandbox.mentionlytics.refreshes}
        if path == "/_sandbox/mentionlytics/reset":
            sandbox.mentionlytics.reset()
            return 200, {}, {"reset": True}
        if path == "/_sandbox/stream":
            stream = sandbox.mention_stream
            if params:
                try:
                    stream.settings = StreamSettings(**{**asdict(StreamSettings()), **params})
                except TypeError as error:
                    return 400, {}, {"error": str(error)}
            with stream.lock:
                return 200, {}, {
                    "settings": asdict(stream.settings),
                    "connections": stream.connections,
                    "first_connection_at": stream.first_connection_at,
                    "sent": sorted(stream.sent, key=int),
                    "sent_twice": stream.sent_twice,
                    "withheld": sorted(stream.withheld, key=int),
                    "endless_bytes": stream.endless_bytes,
                }
        if path == "/_sandbox/requests":
            return 200, {}, {"count": len(sandbox.requests), "requests": sandbox.requests, "arrivals": sandbox.arrivals}
        return 404, {}, {"error": "unknown control path"}

    def _stream_lines(self, lines: Any) -> None:
        """NDJSON, one chunk per line, until the client leaves (or the drop switch cuts a line in half)."""
        stream = self.server.sandbox.mention_stream
        settings = stream.settings
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        written = 0
        try:
            for mention_id, line in lines:
                if settings.endless_line and written >= settings.endless_line_after:
                    self._endless_line(settings.endless_line_bytes_per_s)
                    return
                if settings.drop_after_lines and written >= settings.drop_after_lines:
                    self._chunk(line[: len(line) // 2])
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._chunk(line + b"\n")
                written += 1
                if mention_id is not None:
                    stream.delivered(mention_id)
                if settings.malformed_every and written % settings.malformed_every == 0:
                    self._chunk(MALFORMED_LINE + b"\n")
        except OSError:  # the client closed the connection: the normal end of a stream
            return

    def _endless_line(self, bytes_per_s: int) -> None:
        """A mention whose text never ends: no newline ever comes, in chunks every 10 ms, until the client leaves."""
        stream = self.server.sandbox.mention_stream
        self._chunk(b'{"type": "mention", "mention": {"id": "1", "title": "')
        piece = b"x" * max(1, bytes_per_s // 100)
        while not stream.stopped.is_set():
            self._chunk(piece)
            with stream.lock:
                stream.endless_bytes += len(piece)
            network_sleep(0.01)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _send(self, status: int, headers: Dict[str, str], payload: Any, fault: Optional[str] = None) -> None:
        body = json.dumps(payload).encode()
        sent = body
        if fault in ("truncate", "broken_json"):
            sent = body[: len(body) // 2]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if fault == "truncate" else len(sent)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(sent)
        if fault == "truncate":
            self.close_connection = True


def endless_next_page(path: str, query: Dict[str, List[str]], body: bytes, payload: Any) -> Any:
    """The `endless_cursor` fault: each provider's answer points at the page just asked for (or is that page again).

    Mention: `_links.more` carries the request's own parameters; Sociovite: the envelope stays on page 1;
    Mentionlab: the list-cursor answer hands the request's cursor back, a page object names the page asked for; Mentionlytics (paged by number):
    page_no is ignored and every answer is the first page, filled to `per_page` rows.
    """
    if path.startswith("/api/") and isinstance(payload, dict) and isinstance(payload.get("_links"), dict) and payload["_links"].get("more"):
        params = {name: values[0] for name, values in query.items()}
        payload["_links"]["more"] = {**payload["_links"]["more"], "params": params}
    elif path.startswith("/sociovite/") and isinstance(payload, dict) and "page" in payload:
        payload["page"] = 1
    elif path.endswith("/list-cursor") and isinstance(payload, dict) and body and json.loads(body).get("cursor"):
        payload["cursor"] = {**payload["cursor"], **json.loads(body)["cursor"]}
    elif path.startswith("/mentionlab/") and isinstance(payload, dict) and isinstance(payload.get("page"), dict):
        asked = (query.get("page") or [None])[0] or (json.loads(body) if body else {}).get("page") or 1
        payload["page"] = {**payload["page"], "nextPage": int(asked)}  # the page object names the page just asked for
    elif path.startswith("/mentionlytics/") and isinstance(payload, dict) and payload.get("mentions"):
        rows, per_page = payload["mentions"], int((query.get("per_page") or ["20"])[0])
        payload["mentions"] = (rows * (per_page // len(rows) + 1))[:per_page]
    return payload


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sandbox: Sandbox, port: int = 0, verbose: bool = False):
        self.sandbox = sandbox
        self.verbose = verbose
        super().__init__(("127.0.0.1", port), SandboxHandler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start_in_thread(self) -> "SandboxHTTPServer":
        threading.Thread(target=self.serve_forever, name="sandbox", daemon=True).start()
        return self

    def stop(self) -> None:
        self.sandbox.mention_stream.stopped.set()
        self.shutdown()
        self.server_close()
