"""`python -m mentions_dev.sandbox`: serve the provider emulator on 127.0.0.1 until stopped."""

import argparse
import json
import signal
import sys
import threading

from . import DEFAULT_PORT, SANDBOX_TOKEN, start


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}, the port integration_tests/sample_config*.json use; 0 picks a free port")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--alerts", type=int, default=3)
    parser.add_argument("--mentions-per-alert", type=int, default=120)
    parser.add_argument("--max-page-size", type=int, default=1000, help="cap pages below the requested limit")
    parser.add_argument("--stream-mark-interval", type=float, default=30.0, help="seconds between keep-alive marks of the stream endpoint")
    parser.add_argument("--faults", default="{}", help='JSON, e.g. \'{"error_rate": 0.2, "rate_limit_every": 10}\'')
    parser.add_argument("--ready-file", help="write the base URL here once serving")
    return parser


def main() -> None:
    args = arguments().parse_args()
    try:
        server = start(args.port, args.seed, args.alerts, args.mentions_per_alert, args.max_page_size)
    except OSError as error:
        sys.exit(f"The sandbox cannot listen on 127.0.0.1:{args.port} ({error.strerror}): another sandbox (or `make test`) may hold it. Stop it, or pick another port with --port (`make sandbox PORT=...`) and put that port in your config's api_url.")
    server.sandbox.set_faults(**json.loads(args.faults))
    server.sandbox.mention_stream.settings.mark_interval_s = args.stream_mark_interval
    print(f"sandbox serving {server.base_url} (Mention API at {server.base_url}/api, token {SANDBOX_TOKEN!r}); Ctrl-C stops it", flush=True)
    if args.port == DEFAULT_PORT:
        print("try it from another terminal: .venv/bin/source-mentions check --config integration_tests/sample_config.json", flush=True)
    if args.ready_file:
        with open(args.ready_file, "w") as ready:
            ready.write(server.base_url)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    server.stop()


if __name__ == "__main__":
    main()
