"""Timing, cold-start and peak-memory helpers (subprocess-isolated where a fresh process matters).

Peak memory: the child resets Linux's peak-RSS watermark (/proc/self/clear_refs = 5) after
loading the DEM and reports VmHWM - VmRSS around the call.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def repeat(fn, n: int) -> dict:
    """Median, min and max wall time (s) of n calls."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "runs": n}


_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import terrain
sys.path.insert(0, {tests!r})
from helpers import make_dem
z = np.load({npy!r})
dem = make_dem(z, cell_m={cell!r})
def _status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])  # KiB
    return 0
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak-RSS watermark (VmHWM) to the current RSS
except OSError:
    pass
rss0 = _status("VmRSS:")
t1 = time.perf_counter()
r = terrain.viewshed(dem, 0.0, 0.0, coords="dem", observer_height={h!r}, target_height={ht!r},
                     radius_m={radius!r}, method={method!r})
t2 = time.perf_counter()
rss1 = _status("VmHWM:")
print(json.dumps({{"import_and_load_s": t1 - t0, "first_call_s": t2 - t1,
                  "peak_rss_over_baseline_mib": (rss1 - rss0) / 1024}}))
"""


def fresh_process_call(npy_path, cell_m, h, ht, radius_m, method, tests_dir, cache_dir=None) -> dict:
    """Run one viewshed in a new interpreter; cache_dir=None empties numba's cache (true cold start)."""
    env = dict(os.environ)
    tmp = None
    if cache_dir is None:
        tmp = tempfile.mkdtemp(prefix="numba-cold-")
        cache_dir = tmp
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    code = _CHILD.format(tests=str(tests_dir), npy=str(npy_path), cell=cell_m, h=h, ht=ht, radius=radius_m,
                         method=method)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
