"""Peer tools, run as subprocesses; a peer that is not installed is reported as skipped."""

from __future__ import annotations

import resource
import shutil
import subprocess
import time

import numpy as np
import rasterio


def gdal_version() -> str | None:
    if not shutil.which("gdal_viewshed"):
        return None
    out = subprocess.run(["gdalinfo", "--version"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def run_gdal_viewshed(dem_tif, out_tif, x, y, observer_h, target_h, radius_m, refraction_k):
    """gdal_viewshed with parameters aligned to ours; returns (seconds, peak child RSS MiB, visible bool grid).

    -cc is GDAL's curvature coefficient = 1 - k (0.85714 for k = 1/7); visible = 255, invisible = 0,
    outside the radius = 0 (-ov 0); -om NORMAL is GDAL's default algorithm (Wang et al. 2000 reference planes).
    """
    cmd = ["gdal_viewshed", "-q", "-ox", repr(x), "-oy", repr(y), "-oz", repr(observer_h), "-tz", repr(target_h),
           "-md", repr(radius_m), "-cc", repr(1.0 - refraction_k), "-vv", "255", "-iv", "0", "-ov", "0",
           "-om", "NORMAL", str(dem_tif), str(out_tif)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with rasterio.open(out_tif) as ds, rasterio.open(dem_tif) as src:
        # gdal_viewshed crops its output to the -md window: place it back on the DEM grid.
        vis = np.zeros((src.height, src.width), bool)
        col0 = round((ds.transform.c - src.transform.c) / src.transform.a)
        row0 = round((ds.transform.f - src.transform.f) / src.transform.e)
        vis[row0 : row0 + ds.height, col0 : col0 + ds.width] = ds.read(1) == 255
    return dt, peak, vis
