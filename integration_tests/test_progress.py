"""Long syncs say how far they are: progress lines per stream, with records, pages and the partition."""

import re

import pytest

from source_mentions.components import SyncProgress
from unit_tests.builders import run_read


@pytest.fixture
def progress_every_read(monkeypatch):
    monkeypatch.setattr(SyncProgress, "interval_s", 0.0)


def test_a_sync_logs_records_pages_and_the_partition_as_it_goes(start_sandbox, progress_every_read):
    sandbox = start_sandbox(max_page_size=40)
    output = run_read(sandbox.config(), "mentions")

    lines = [m.log.message for m in output.logs if m.log.message.startswith("progress: mentions:")]
    counts = [int(re.search(r"([\d,]+) records", line).group(1).replace(",", "")) for line in lines]
    assert len(lines) >= 9  # 360 mentions in pages of 40
    assert counts == sorted(counts) and counts[-1] == len(output.records)
    assert all("pages so far; last partition alert_id=" in line for line in lines)


def test_live_mentions_report_progress_too(start_sandbox, progress_every_read):
    sandbox = start_sandbox()
    output = run_read(sandbox.config(), "live_mentions")

    assert any(m.log.message.startswith("progress: live_mentions:") and "account_id=acc_1" in m.log.message for m in output.logs)
