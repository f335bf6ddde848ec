"""Local emulator of the providers' APIs, an oracle for the connector's tests.

It implements the documented behaviour on its own and imports nothing from the connector.
"""

from .data import MentionDataSet
from .mentionlytics_api import INITIAL_BEARER as MENTIONLYTICS_BEARER
from .mentionlytics_api import INITIAL_REFRESH as MENTIONLYTICS_REFRESH
from .server import MENTIONLAB_API_KEY, NO_API_PLAN_TOKEN, SANDBOX_TOKEN, SOCIOVITE_TOKEN, Faults, Sandbox, SandboxHTTPServer

DEFAULT_PORT = 18765  # `make sandbox` and `python -m mentions_dev.sandbox`; integration_tests/sample_config*.json point here

__all__ = [
    "DEFAULT_PORT",
    "Faults",
    "MENTIONLAB_API_KEY",
    "MENTIONLYTICS_BEARER",
    "MENTIONLYTICS_REFRESH",
    "MentionDataSet",
    "NO_API_PLAN_TOKEN",
    "SANDBOX_TOKEN",
    "SOCIOVITE_TOKEN",
    "Sandbox",
    "SandboxHTTPServer",
    "start",
]


def start(port: int = 0, seed: int = 42, alerts: int = 3, mentions_per_alert: int = 120, max_page_size: int = 1000) -> SandboxHTTPServer:
    """Start a sandbox in a background thread and return its server (see `.base_url`)."""
    data = MentionDataSet(seed=seed, alerts=alerts, mentions_per_alert=mentions_per_alert)
    return SandboxHTTPServer(Sandbox(data, max_page_size=max_page_size), port=port).start_in_thread()
