"""The floor row's peer: a full sync of Mention's `mentions` stream as a plain requests + orjson loop.

`python benchmarks/plain_loop.py --config CONFIG.json [--workers N]`, CONFIG being the config our
connector takes ({"provider": {"provider_type": "mention", "access_token", "api_url", ...},
"start_date", "num_workers"}). It makes the HTTP requests the connector's full sync of `mentions`
makes, in the same order per alert, and nothing else:

- GET {api_url}/accounts/me (none when provider.account_id is set: the connector uses it as is);
- GET /accounts/{account}/alerts?limit=100, then each `_links.more.params` (provider.alert_ids, if
  set, keeps only those alerts, as the connector's record filter does);
- per alert, on a pool of N threads (one alert per thread at a time, a requests.Session per
  thread): the head page `?limit=1`, then `?limit=1000&before_date=<now>&not_before_date=<start_date>`,
  then `_links.more.params` page after page (with not_before_date added when those params carry a
  before_date without it, as the manifest does).

Headers: `Authorization: Bearer <access_token>`, `Accept-Version` (provider.api_version, else
1.19) and `Accept-Language` when provider.language is set. Each page is decoded with orjson and each
mention written to stdout, untouched, as one Airbyte RECORD line serialized with orjson:
{"type":"RECORD","record":{"stream":"mentions","data":<mention>,"emitted_at":<ms>}} (emitted_at read
once per page; a page's lines go out in one write). What it leaves out, and the connector does: the
schema normalization and every other transformation, the head bound (the connector drops mentions
with an id above the alert's head, found after the head was read: none in a sandbox nobody adds to
during the sync), STATE messages, retries, the error handlers, logs. A failed request ends it with
status 1.

It imports nothing from source_mentions or airbyte_cdk. benchmarks/harness.run_connector can run it
(`[python, plain_loop.py]` as the command): the `read`, `--catalog` and `--state` it appends are
accepted and ignored; `--workers` defaults to the config's num_workers (else 16, the connector's default).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import quote

import orjson
import requests

PAGE = 1000  # the connector's page size for mentions (the API's maximum)
ALERT_PAGE = 100  # ... and for alerts
TIMEOUT_S = 60


class PlainLoop:
    def __init__(self, config: Dict[str, Any], workers: int, out: Any = None) -> None:
        provider = config["provider"]
        if provider.get("provider_type", "mention") != "mention":
            raise SystemExit(f"plain_loop reads Mention only, not {provider.get('provider_type')!r}")
        self.api = provider["api_url"].rstrip("/")
        self.start_date = config.get("start_date")
        self.account_id = provider.get("account_id") or None
        self.alert_ids = [str(alert) for alert in provider.get("alert_ids") or []]
        self.headers = {"Authorization": f"Bearer {provider['access_token']}", "Accept-Version": str(provider.get("api_version") or "1.19")}
        if provider.get("language"):
            self.headers["Accept-Language"] = str(provider["language"])
        self.workers = workers
        self.out = out if out is not None else sys.stdout.buffer
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self.records = 0

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update(self.headers)
        return session

    def get(self, path: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        response = self.session().get(self.api + path, params=params, timeout=TIMEOUT_S)
        response.raise_for_status()
        return orjson.loads(response.content)

    def pages(self, path: str, first: Dict[str, Any], start_date: Optional[str] = None) -> Iterator[Dict[str, Any]]:
        """The answer to `first`, then each `_links.more.params` until an answer has none."""
        params: Optional[Dict[str, Any]] = first
        while params is not None:
            body = self.get(path, params)
            yield body
            links = body.get("_links")
            more = links.get("more") if isinstance(links, dict) else None
            params = dict(more["params"]) if more else None
            if params is not None and start_date and "before_date" in params and "not_before_date" not in params:
                params["not_before_date"] = start_date

    def alerts(self) -> List[str]:
        account = self.account_id or str(self.get("/accounts/me")["account"]["id"])
        base = f"/accounts/{segment(account)}"
        listed = [str(alert["id"]) for body in self.pages(f"{base}/alerts", {"limit": ALERT_PAGE}) for alert in body["alerts"]]
        self._base = base
        return [alert for alert in listed if not self.alert_ids or alert in self.alert_ids]

    def read_alert(self, alert_id: str) -> int:
        path = f"{self._base}/alerts/{segment(alert_id)}/mentions"
        self.get(path, {"limit": "1"})  # the head, as the connector reads it first
        first = {"limit": PAGE, "before_date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), "not_before_date": self.start_date}
        count = 0
        for body in self.pages(path, first, self.start_date):
            mentions = body.get("mentions") or []
            if not mentions:
                continue
            now = int(time.time() * 1000)
            chunk = b"".join(
                orjson.dumps({"type": "RECORD", "record": {"stream": "mentions", "data": mention, "emitted_at": now}}, option=orjson.OPT_APPEND_NEWLINE)
                for mention in mentions
            )
            with self._write_lock:
                self.out.write(chunk)
                self.records += len(mentions)
            count += len(mentions)
        return count

    def run(self) -> int:
        alerts = self.alerts()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="alert") as pool:
            for _ in pool.map(self.read_alert, alerts):  # re-raises a worker's failure
                pass
        self.out.flush()
        return self.records


def segment(value: Any) -> str:
    return quote(str(value), safe="")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", nargs="?", default="read", choices=["read"], help="accepted and ignored (harness.run_connector passes it)")
    parser.add_argument("--config", required=True)
    parser.add_argument("--workers", type=int, default=None, help="threads reading alerts (default: the config's num_workers, else 16)")
    parser.add_argument("--catalog", help="ignored: `mentions`, full refresh")
    parser.add_argument("--state", help="ignored: a full sync")
    args = parser.parse_args(argv)
    with open(args.config, "rb") as file:
        config = orjson.loads(file.read())
    workers = args.workers or int(config.get("num_workers") or 16)
    started = time.monotonic()
    try:
        records = PlainLoop(config, workers).run()
    except (requests.RequestException, KeyError, ValueError) as error:
        sys.stderr.write(f"plain_loop: failed: {error!r}\n")
        sys.exit(1)
    sys.stderr.write(f"plain_loop: {records} records in {time.monotonic() - started:.2f} s with {workers} workers\n")


if __name__ == "__main__":
    main()
