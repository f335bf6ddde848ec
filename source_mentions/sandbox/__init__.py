"""Local emulator of the providers' APIs, an oracle for the connector's tests.

It implements the documented behaviour on its own and imports nothing from the connector.
"""

from .data import MentionDataSet
from .server import NO_API_PLAN_TOKEN, SANDBOX_TOKEN, Faults, Sandbox, SandboxHTTPServer

__all__ = ["Faults", "MentionDataSet", "NO_API_PLAN_TOKEN", "SANDBOX_TOKEN", "Sandbox", "SandboxHTTPServer", "start"]


def start(port: int = 0, seed: int = 42, alerts: int = 3, mentions_per_alert: int = 120, max_page_size: int = 1000) -> SandboxHTTPServer:
    """Start a sandbox in a background thread and return its server (see `.base_url`)."""
    data = MentionDataSet(seed=seed, alerts=alerts, mentions_per_alert=mentions_per_alert)
    return SandboxHTTPServer(Sandbox(data, max_page_size=max_page_size), port=port).start_in_thread()
