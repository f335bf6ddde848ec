"""Memory: after the console entrypoint starts, a freed page body goes back to the system (glibc only).

Each case runs in a fresh interpreter: glibc's malloc state is per process and this one's is not fresh.
"""

import json
import os
import platform
import subprocess
import sys
from typing import Dict, Optional

import pytest

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc malloc only")

# A 4 MiB buffer is freed first: with glibc's defaults that raises the mmap threshold above it, so a
# 1 MiB page body allocated next comes from the heap and stays there; mapped, it is unmapped when freed.
PROBE = """
import contextlib, ctypes, io, json, sys
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "entrypoint":
    from source_mentions.run import run
    with contextlib.redirect_stdout(io.StringIO()):
        run(["spec"])
earlier_page = bytearray(4 * 1024 * 1024)
del earlier_page
mapped_before = libc.mallinfo2().hblks
page = bytearray(1024 * 1024)
print(json.dumps({"page_mapped": libc.mallinfo2().hblks - mapped_before == 1}))
"""


def probe(mode: str, env: Optional[Dict[str, str]] = None) -> bool:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", PROBE, mode], env={**environment, **(env or {})}, capture_output=True, text=True, check=True)
    return bool(json.loads(done.stdout.strip().splitlines()[-1])["page_mapped"])


def test_without_the_entrypoint_glibc_keeps_a_page_body_in_its_heap():
    assert probe("plain") is False


def test_after_the_entrypoint_starts_a_page_body_is_mapped_and_so_returned_when_freed():
    assert probe("entrypoint") is True


def test_a_mmap_threshold_the_user_set_in_the_environment_wins():
    assert probe("entrypoint", {"MALLOC_MMAP_THRESHOLD_": str(8 * 1024 * 1024)}) is False


def test_arena_and_threshold_are_reported_as_applied_unless_the_environment_sets_them(monkeypatch):
    from source_mentions.allocator import limit_allocator_retention

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # glibc read it at start; mallopt is not called for it
    assert limit_allocator_retention() == {"MALLOC_MMAP_THRESHOLD_": 512 * 1024}
