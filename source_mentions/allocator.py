"""glibc malloc settings for long syncs: freed page bodies go back to the system, not into per-thread arenas.

A page of 1000 mentions is about 2.3 MB of body and 6.7 MB decoded. With glibc's defaults each
worker thread gets its own malloc arena, and after the first page body is freed the dynamic
mmap threshold rises above the page size, so later pages are carved from the arenas and their
memory is kept there when freed. Python's live objects stayed at about 40 MB, but the process grew
from ~192 MB (20,000 mentions) to ~222 MB (200,000 mentions). With two arenas and a fixed 512 KiB
mmap threshold (page bodies mapped, and returned to the system when freed) the same syncs peaked at
~137 and ~157 MB, at the same wall time (benchmarks/bench.py, cpu_bound).

The variables glibc reads itself (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_) win: a setting the user
chose is left alone. Elsewhere than glibc this does nothing.
"""

import ctypes
import os
import platform
from typing import Dict

M_MMAP_THRESHOLD = -3  # glibc malloc.h
M_ARENA_MAX = -8
SETTINGS = {
    "MALLOC_ARENA_MAX": (M_ARENA_MAX, 2),
    "MALLOC_MMAP_THRESHOLD_": (M_MMAP_THRESHOLD, 512 * 1024),
}


def limit_allocator_retention() -> Dict[str, int]:
    """Apply SETTINGS through mallopt, before the sync's threads start; returns what was applied."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return {}
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return {}
    applied: Dict[str, int] = {}
    for variable, (parameter, value) in SETTINGS.items():
        if variable in os.environ:
            continue
        if mallopt(ctypes.c_int(parameter), ctypes.c_int(value)) == 1:
            applied[variable] = value
    return applied
