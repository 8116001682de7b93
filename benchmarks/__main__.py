"""python -m benchmarks [--quick] [--only NAME ...]: ours vs peers, same DEM, same observer, same run."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))

from helpers import make_dem  # noqa: E402
from synthetic import fractal_terrain, write_hgt  # noqa: E402

import terrain  # noqa: E402
from terrain import constants, geodesy  # noqa: E402
from terrain.export import write_geotiff  # noqa: E402
from terrain.total import sector_grid  # noqa: E402

from . import measure, peers, report  # noqa: E402
from .startup import bench_startup  # noqa: E402
from .study1 import bench_study  # noqa: E402

H_OBS, H_TGT = 10.0, 2.0
K = constants.REFRACTION_LIGHT


def _agree(a, b, inside):
    return float((a == b)[inside].mean())


def bench_single(quick: bool, work: Path) -> dict:
    """Single viewshed, central observer, 10 m / 2 m, on a seeded fractal 1" tile (30 m cells)."""
    n = 1201 if quick else 3601
    cell = 30.0
    z = fractal_terrain(n, n, seed=2026, relief_m=300.0)
    npy = work / f"fractal{n}.npy"
    np.save(npy, z)
    dem = make_dem(z, cell_m=cell)
    radius = (n // 2) * cell
    tif = work / f"fractal{n}.tif"
    write_geotiff(tif, dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
    kw = dict(coords="dem", observer_height=H_OBS, target_height=H_TGT, radius_m=radius, refraction=K)
    terrain.viewshed(dem, 0.0, 0.0, **kw)  # JIT warm-up, excluded
    reps = 3 if quick else 5
    fast = terrain.viewshed(dem, 0.0, 0.0, **kw)
    t_fast = measure.repeat(lambda: terrain.viewshed(dem, 0.0, 0.0, **kw), reps)
    checked = terrain.viewshed(dem, 0.0, 0.0, method="checked", **kw)
    t_checked = measure.repeat(lambda: terrain.viewshed(dem, 0.0, 0.0, method="checked", **kw), 3)
    # visibility only (heights=False): what GDAL's default mode computes
    kv = dict(kw, heights=False)
    fast_vis = terrain.viewshed(dem, 0.0, 0.0, **kv)
    t_fast_vis = measure.repeat(lambda: terrain.viewshed(dem, 0.0, 0.0, **kv), reps)
    checked_vis = terrain.viewshed(dem, 0.0, 0.0, method="checked", **kv)
    t_checked_vis = measure.repeat(lambda: terrain.viewshed(dem, 0.0, 0.0, method="checked", **kv), 3)
    t0 = time.perf_counter()
    exact = terrain.viewshed(dem, 0.0, 0.0, method="exact", **kw)
    t_exact = time.perf_counter() - t0
    inside = ~np.isnan(exact.min_visible_height_m)
    out = {
        "workload": f"single viewshed, fractal {n}x{n} (30 m cells), observer centre {H_OBS:g} m, target {H_TGT:g} m, "
                    f"radius {radius / 1000:g} km, k={K:.4f}",
        "cells": n * n,
        "dem_float32_mib": n * n * 4 / 2**20,
        "ours_fast": {**t_fast, "agreement_with_exact": _agree(fast.visible, exact.visible, inside),
                      "cells_walked": fast.stats["cells_walked"]},
        "ours_checked": {**t_checked, "agreement_with_exact": _agree(checked.visible, exact.visible, inside),
                         "cells_walked": checked.stats["cells_walked"]},
        "ours_exact": {"median_s": t_exact, "min_s": t_exact, "runs": 1},
        "ours_fast_visibility": {**t_fast_vis, "agreement_with_exact": _agree(fast_vis.visible, exact.visible, inside),
                                 "same_as_with_heights": bool(np.array_equal(fast_vis.visible, fast.visible))},
        "ours_checked_visibility": {**t_checked_vis,
                                    "agreement_with_exact": _agree(checked_vis.visible, exact.visible, inside)},
        "fast_min_visible_height_abs_error_m": {
            "mean": float(np.nanmean(np.abs(fast.min_visible_height_m - exact.min_visible_height_m)[inside])),
            "p99": float(np.nanpercentile(np.abs(fast.min_visible_height_m - exact.min_visible_height_m)[inside], 99))},
    }
    # the fast method's re-walk threshold (constants.FAST_UNSURE_FRACTION): speed against agreement
    default = constants.FAST_UNSURE_FRACTION
    out["fast_unsure_sweep"] = []
    try:
        for frac in (0.0, 0.25, 1.0, 4.0):
            constants.FAST_UNSURE_FRACTION = frac
            res = terrain.viewshed(dem, 0.0, 0.0, **kw)
            out["fast_unsure_sweep"].append({"fraction": frac, **measure.repeat(
                lambda: terrain.viewshed(dem, 0.0, 0.0, **kw), 3),
                "agreement_with_exact": _agree(res.visible, exact.visible, inside),
                "cells_walked": res.stats["cells_walked"]})
    finally:
        constants.FAST_UNSURE_FRACTION = default
    # threads
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    out["ours_fast_1_thread"] = measure.repeat(lambda: terrain.viewshed(dem, 0.0, 0.0, **kw), reps)
    out["ours_fast_visibility_1_thread"] = measure.repeat(lambda: terrain.viewshed(dem, 0.0, 0.0, **kv), reps)
    numba.set_num_threads(before)
    out["ours_fast"]["threads"] = before
    # cold starts and memory, each in a fresh interpreter
    cache = tempfile.mkdtemp(prefix="numba-warm-")
    out["cold_empty_cache"] = measure.fresh_process_call(npy, cell, H_OBS, H_TGT, radius, "fast", TESTS, None)
    measure.fresh_process_call(npy, cell, H_OBS, H_TGT, radius, "fast", TESTS, cache)  # populate
    out["cold_warm_cache"] = measure.fresh_process_call(npy, cell, H_OBS, H_TGT, radius, "fast", TESTS, cache)
    out["peak_rss_over_dem_ratio"] = out["cold_warm_cache"]["peak_rss_over_baseline_mib"] / out["dem_float32_mib"]
    # peer: gdal_viewshed on the same GeoTIFF
    version = peers.gdal_version()
    if version is None:
        out["gdal_viewshed"] = {"skipped": "gdal_viewshed not installed (apt-get install gdal-bin)"}
    else:
        times, vis = [], None
        for _ in range(reps):
            secs, peak, vis = peers.run_gdal_viewshed(tif, work / "gdal.tif", *_centre_xy(dem), H_OBS, H_TGT,
                                                      radius, K)
            times.append(secs)
        out["gdal_viewshed"] = {"version": version, "median_s": float(np.median(times)), "min_s": min(times),
                                "runs": reps, "peak_rss_mib": peak,
                                "agreement_with_exact": _agree(vis, exact.visible, inside),
                                "agreement_with_ours_fast": _agree(vis, fast.visible, inside)}
        out["ratio_gdal_over_ours_fast"] = out["gdal_viewshed"]["median_s"] / out["ours_fast"]["median_s"]
    gpy = peers.gdal_python()
    if gpy is None:
        out["gdal_inprocess"] = {"skipped": "no Python with GDAL's bindings (apt-get install python3-gdal)"}
    else:
        gver, gtimes, gvis = peers.run_gdal_inprocess(gpy, tif, work / "gdal_inproc.npy", *_centre_xy(dem), H_OBS,
                                                      H_TGT, radius, K, reps)
        out["gdal_inprocess"] = {"version": gver, "median_s": float(np.median(gtimes)), "min_s": min(gtimes),
                                 "runs": reps, "agreement_with_exact": _agree(gvis, exact.visible, inside)}
        out["ratio_gdal_inprocess_over_ours_fast"] = out["gdal_inprocess"]["median_s"] / out["ours_fast"]["median_s"]
    out.update(_gdal_ctypes_peer(dem, exact.visible, inside, reps, out["ours_fast"]["median_s"],
                                 out["ours_fast_1_thread"]["median_s"]))
    if "gdal_wheel_inprocess" in out and "skipped" not in out["gdal_wheel_inprocess"]:
        rounds = 5 if quick else INTERLEAVED_ROUNDS
        out["interleaved_with_gdal_wheel"] = _gdal_interleaved(dem, kv, rounds)
    if "ratio_gdal_wheel_over_ours_fast" in out:  # the same GDAL run against our visibility-only runs
        g = out["gdal_wheel_inprocess"]["median_s"]
        out["ratio_gdal_wheel_over_ours_fast_visibility"] = g / out["ours_fast_visibility"]["median_s"]
        out["ratio_gdal_wheel_over_ours_fast_visibility_1_thread"] = g / out["ours_fast_visibility_1_thread"]["median_s"]
    if peers.grass_version() is None:
        out["grass_r_viewshed"] = {"skipped": "GRASS not installed (apt-get install grass-core)"}
    else:
        secs, peak, gvis = peers.run_grass_viewshed(tif, work / "grass", *_centre_xy(dem), H_OBS, H_TGT, radius, K)
        out["grass_r_viewshed"] = {"version": peers.grass_version(), "median_s": secs, "min_s": secs, "runs": 1,
                                   "peak_rss_mib": peak, "agreement_with_exact": _agree(gvis, exact.visible, inside)}
        out["ratio_grass_over_ours_fast"] = secs / out["ours_fast"]["median_s"]
    return out


def _gdal_inputs(dem) -> tuple:
    """The single workload's arguments to ``gdal_ctypes``' runners: the grid, its geotransform and WKT, the
    central observer (x, y), observer and target heights, the radius (half the grid, m) and GDAL's curvature
    coefficient (1 - k)."""
    t = dem.transform
    return (dem.elevation, (t.c, t.a, t.b, t.f, t.d, t.e), geodesy.crs_wkt(dem.crs), *_centre_xy(dem), H_OBS, H_TGT,
            float(dem.shape[0] // 2) * abs(t.a), 1.0 - K)


def _gdal_ctypes_peer(dem, exact_visible, inside, reps, ours_s, ours_1_thread_s) -> dict:
    """GDAL's GDALViewshedGenerate from the rasterio wheel's libgdal (3.10: a 4-thread pool), in-process."""
    from . import gdal_ctypes

    if not gdal_ctypes.available():
        return {"gdal_wheel_inprocess": {"skipped": "no libgdal with GDALViewshedGenerate in rasterio.libs"}}
    times, vis = gdal_ctypes.viewshed_runs(*_gdal_inputs(dem), reps)
    peer = {"version": gdal_ctypes.version(), "median_s": float(np.median(times)), "min_s": min(times), "runs": reps,
            "agreement_with_exact": _agree(vis, exact_visible, inside),
            "how": "ctypes GDALViewshedGenerate, MEM in and out, GVM_Edge, GVOT_NORMAL"}
    return {"gdal_wheel_inprocess": peer, "ratio_gdal_wheel_over_ours_fast": peer["median_s"] / ours_s,
            "ratio_gdal_wheel_over_ours_fast_1_thread": peer["median_s"] / ours_1_thread_s}


INTERLEAVED_ROUNDS = 15


def _gdal_interleaved(dem, kv, rounds) -> dict:
    """Our fast visibility-only viewshed (GDAL's output) and GDAL 3.10's in turns (``interleaved_runs``), on
    numba's thread count and on one thread: each ratio from runs over the same minutes, the order flipped every
    round. The separate runs above time each tool over its own minutes, ~1 min apart, and a VM's speed can move
    by 10-30 % in that time."""
    from . import gdal_ctypes

    def ours():
        t0 = time.perf_counter()
        terrain.viewshed(dem, 0.0, 0.0, **kv)
        return time.perf_counter() - t0

    before = numba.get_num_threads()
    out = {"rounds": rounds, "how": "ours and GDAL alternating, order flipped each round; medians over the rounds"}
    try:
        for threads in dict.fromkeys((before, 1)):
            numba.set_num_threads(threads)
            g, o = gdal_ctypes.interleaved_runs(*_gdal_inputs(dem), rounds, ours)
            out[f"threads_{threads}"] = {
                "ours_median_s": float(np.median(o)), "ours_min_s": min(o), "gdal_median_s": float(np.median(g)),
                "gdal_min_s": min(g), "ratio_gdal_over_ours": float(np.median(g) / np.median(o)),
                "ratio_per_round_median": float(np.median(np.asarray(g) / np.asarray(o)))}
    finally:
        numba.set_num_threads(before)
    return out


def _centre_xy(dem):
    rows, cols = dem.shape
    t = dem.transform
    return t.c + t.a * (cols // 2 + 0.5), t.f + t.e * (rows // 2 + 0.5)


def bench_real(quick: bool, work: Path) -> dict:
    """Real terrain: the embedded DTED0 around Pokrovsk reprojected to UTM 37N (GDAL needs a projected grid)."""
    import rasterio.warp
    from affine import Affine
    from rasterio.enums import Resampling

    src = terrain.load_dem(48.2828, 37.1828, 60_000)
    cell = 300.0
    dst_crs = "EPSG:32637"
    transform, width, height = rasterio.warp.calculate_default_transform(
        src.crs, dst_crs, src.shape[1], src.shape[0], *src.bounds, resolution=cell)
    z = np.full((height, width), np.nan, np.float32)
    rasterio.warp.reproject(src.elevation, z, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                            dst_crs=dst_crs, resampling=Resampling.bilinear, src_nodata=np.nan, dst_nodata=np.nan)
    dem = terrain.Dem.from_array(z, Affine(*transform[:6]), dst_crs, resolution="DTED0 reprojected to 300 m UTM")
    tif = work / "dted0_utm.tif"
    write_geotiff(tif, np.where(dem.void, -32768, dem.elevation).astype(np.float32), dem.transform, dem.crs,
                  nodata=-32768.0)
    x, y = dem.to_dem_xy(48.2828, 37.1828)
    radius = 40_000.0
    kw = dict(coords="dem", observer_height=H_OBS, target_height=H_TGT, radius_m=radius, refraction=K)
    fast = terrain.viewshed(dem, x, y, **kw)
    t_fast = measure.repeat(lambda: terrain.viewshed(dem, x, y, **kw), 5)
    exact = terrain.viewshed(dem, x, y, method="exact", **kw)
    inside = ~np.isnan(exact.min_visible_height_m)
    out = {"workload": "single viewshed, real DTED0 (Pokrovsk, reprojected bilinear to 300 m UTM 37N), "
                       f"10 m / 2 m, radius 40 km, {dem.shape[0]}x{dem.shape[1]} cells",
           "ours_fast": {**t_fast, "agreement_with_exact": _agree(fast.visible, exact.visible, inside)}}
    if peers.gdal_version() is None:
        out["gdal_viewshed"] = {"skipped": "gdal_viewshed not installed"}
        return out
    r0, c0 = dem.rowcol_xy(x, y)
    cx, cy = dem.transform.c + dem.transform.a * (c0 + 0.5), dem.transform.f + dem.transform.e * (r0 + 0.5)
    times = []
    for _ in range(5):
        secs, _, vis = peers.run_gdal_viewshed(tif, work / "gdal_real.tif", cx, cy, H_OBS, H_TGT, radius, K)
        times.append(secs)
    ok = inside & ~dem.void
    out["gdal_viewshed"] = {"median_s": float(np.median(times)), "min_s": min(times), "runs": 5,
                            "agreement_with_exact": _agree(vis, exact.visible, ok)}
    out["ratio_gdal_over_ours_fast"] = out["gdal_viewshed"]["median_s"] / out["ours_fast"]["median_s"]
    gpy = peers.gdal_python()
    if gpy is not None:
        _, gtimes, gvis = peers.run_gdal_inprocess(gpy, tif, work / "gdal_real.npy", cx, cy, H_OBS, H_TGT, radius, K, 5)
        out["gdal_inprocess"] = {"median_s": float(np.median(gtimes)), "min_s": min(gtimes), "runs": 5,
                                 "agreement_with_exact": _agree(gvis, exact.visible, ok)}
    return out


def bench_count(quick: bool, work: Path) -> dict:
    """Many observers at 5 km radius on a 1201x1201 fractal grid: viewshed_count vs running each peer
    once per observer (GDAL; GRASS r.viewshed alone, up to 100; xarray-spatial, up to 10 - it has no
    radius limit, so each of its runs covers the whole grid)."""
    n, cell, radius = 1201, 30.0, 5000.0
    dem = make_dem(fractal_terrain(n, n, seed=7), cell_m=cell)
    tif = work / "count.tif"
    write_geotiff(tif, dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
    rng = np.random.default_rng(0)
    rows = []
    counts = (1, 10, 100) if quick else (1, 10, 100, 1000)
    terrain.viewshed_count(dem, [_centre_xy(dem)], coords="dem", radius_m=radius)  # warm-up
    for m in counts:
        cells = rng.integers(0, n, size=(m, 2))
        pts = [(dem.transform.c + cell * (c + 0.5), dem.transform.f - cell * (r + 0.5)) for r, c in cells]
        t0 = time.perf_counter()
        terrain.viewshed_count(dem, pts, coords="dem", observer_height=H_OBS, target_height=H_TGT, radius_m=radius)
        ours = time.perf_counter() - t0
        row = {"observers": m, "ours_s": ours}
        if peers.gdal_version() is not None:
            t0 = time.perf_counter()
            for x, y in pts:
                peers.run_gdal_viewshed(tif, work / "g.tif", x, y, H_OBS, H_TGT, radius, K)
            row["gdal_loop_s"] = time.perf_counter() - t0
            row["ratio_gdal_over_ours"] = row["gdal_loop_s"] / ours
        if peers.grass_version() is not None and m <= (10 if quick else 100):
            row["grass_loop_s"] = sum(peers.run_grass_viewshed(tif, work / "gl", x, y, H_OBS, H_TGT, radius, K)[0]
                                      for x, y in pts)
            row["ratio_grass_over_ours"] = row["grass_loop_s"] / ours
        if peers.xrspatial_version() is not None and m <= 10:
            peers.run_xrspatial_viewshed(dem, *pts[0], H_OBS, H_TGT)  # JIT warm-up
            row["xrspatial_loop_s"] = sum(peers.run_xrspatial_viewshed(dem, x, y, H_OBS, H_TGT)[0] for x, y in pts)
            row["ratio_xrspatial_over_ours"] = row["xrspatial_loop_s"] / ours
        rows.append(row)
    exps = {}
    for key in ("ours_s", "gdal_loop_s", "grass_loop_s"):
        pts_ = [(r["observers"], r[key]) for r in rows if key in r]
        if len(pts_) >= 2:
            exps[key] = _fit_exponent(*zip(*pts_, strict=True))
    return {"workload": "cumulative viewshed, fractal 1201x1201 30 m, radius 5 km, 10 m / 2 m", "rows": rows,
            "exponents_vs_observers": exps}


def bench_accum(quick: bool, work: Path) -> dict:
    """Cumulative viewshed on GDAL's observer lattice (every 100th cell from (0, 0): 169 observers on 1201^2),
    fractal 30 m cells, 10 km, 10 m / 2 m: viewshed_count ("checked", exact; "fast", lockstep) against GDAL 3.10's
    cumulative mode (gdal_viewshed -om ACCUM) in-process on 2 and 1 jobs, same run. GDAL writes counts scaled to
    0-255 by its largest count; they are decoded back to counts (gdal_accum.decode_counts) to compare. Every
    count is checked against the sum of the observers' exact R3 viewsheds."""
    from . import gdal_accum, gdal_ctypes

    n, cell, radius, spacing = (601, 30.0, 5000.0, 100) if quick else (1201, 30.0, 10_000.0, 100)
    dem = make_dem(fractal_terrain(n, n, seed=7), cell_m=cell)
    tif = work / "accum.tif"
    write_geotiff(tif, dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
    pts = [(dem.transform.c + cell * (c + 0.5), dem.transform.f - cell * (r + 0.5))
           for c in range(0, n, spacing) for r in range(0, n, spacing)]
    kw = dict(coords="dem", observer_height=H_OBS, target_height=H_TGT, radius_m=radius, refraction=K)
    reps = 1 if quick else 3
    out = {"workload": f"cumulative viewshed, fractal {n}x{n} {cell:g} m, radius {radius / 1000:g} km, "
                       f"{len(pts)} observers every {spacing} cells, {H_OBS:g} m / {H_TGT:g} m",
           "observers": len(pts)}
    counts = {}
    for method in ("checked", "fast"):
        terrain.viewshed_count(dem, pts[:2], method=method, **kw)  # compiled before timing
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            counts[method] = terrain.viewshed_count(dem, pts, method=method, **kw)
            times.append(time.perf_counter() - t0)
        out[f"ours_{method}"] = {"median_s": float(np.median(times)), "runs": reps}
    # the reference: every observer's exact R3 viewshed on its radius window, summed (not timed)
    t0 = time.perf_counter()
    exact = np.zeros(dem.shape, np.int32)
    for x, y in pts:
        exact += terrain.viewshed(dem, x, y, method="exact", **kw).visible
    out["exact_reference_s"] = time.perf_counter() - t0
    for method in ("checked", "fast"):
        out[f"ours_{method}"]["agreement_with_exact"] = float((counts[method] == exact).mean())
        out[f"ours_{method}"]["max_count_difference"] = int(np.abs(counts[method] - exact).max())
    shim, why = gdal_accum.build(work)
    if shim is None:
        out["gdal_accum"] = {"skipped": why}
        return out
    for jobs in (2, 1):
        times = []
        for _ in range(reps):
            t, g = gdal_accum.run(shim, tif, work / "accum_out.tif", H_OBS, H_TGT, radius, K, spacing, jobs)
            times.append(t)
        g_counts, g_max = gdal_accum.decode_counts(g, int(exact.max()))
        out[f"gdal_accum_j{jobs}"] = {"median_s": float(np.median(times)), "runs": reps, "max_count": g_max,
                                      "agreement_with_exact": float((g_counts == exact).mean())}
    out["exact_max_count"] = int(exact.max())
    out["gdal_version"] = gdal_ctypes.version()
    g2 = out["gdal_accum_j2"]["median_s"]
    out["ratio_gdal_j2_over_ours_checked"] = g2 / out["ours_checked"]["median_s"]
    out["ratio_gdal_j2_over_ours_fast"] = g2 / out["ours_fast"]["median_s"]
    return out


def bench_total(quick: bool, work: Path) -> dict:
    """Total viewshed of a 1201x1201 3" tile (real terrain resampled) at 10 km, observer 10 m / target 2 m.

    Every cell with the sector method on 1 and 2 numba threads and on a Dask LocalCluster with 1 and 2
    workers (bit-identity checked); sector accuracy and speed against the per-observer "checked" method (which
    agrees with the exact R3 viewshed) on every ``ref_stride``-th cell; sectors 180/360/720; a model of N
    machines from the measured compute and the bytes each tile task ships."""
    from . import splat

    d = work / "total"
    d.mkdir(exist_ok=True)
    splat.real_terrain_tiles(d, ["N48E037"], 3)
    dem = terrain.open_dem(d / "N48E037.hgt")
    radius = 10_000.0
    ref_stride = 60 if quick else 15
    kw = dict(observer_height=10.0, target_height=2.0)
    terrain.total_viewshed(dem, radius, stride=600, **kw)  # JIT warm-up of both methods
    terrain.total_viewshed(dem, radius, stride=600, method="checked", **kw)
    rows, cols = dem.shape
    dx, dy = dem.mean_cell_size_m
    lines_per_obs = math.pi * radius**2 / (dx * dy)  # cells inside each observer's disc
    out = {"workload": f"total viewshed, 3\" tile {rows}x{cols} (real DTED0 terrain resampled), radius 10 km, "
                       f"10 m / 2 m, every cell ({rows * cols} observers), sector method with "
                       f"{constants.TOTAL_VIEWSHED_DIRECTIONS} sectors",
           "observers": rows * cols, "sight_lines_per_observer": lines_per_obs, "runs": {}}
    before = numba.get_num_threads()
    ref = None
    for threads in (1, before):
        numba.set_num_threads(threads)
        t0 = time.perf_counter()
        area = terrain.total_viewshed(dem, radius, **kw)
        secs = time.perf_counter() - t0
        ref = area if ref is None else ref
        out["runs"][f"{threads}_thread"] = {"seconds": secs, "identical": bool(np.array_equal(area, ref, equal_nan=True))}
    numba.set_num_threads(before)
    best = min(r["seconds"] for r in out["runs"].values())
    out["sight_lines_per_second"] = rows * cols * lines_per_obs / best
    out["goal_s"] = 60.0
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        out["runs"]["dask"] = {"skipped": "dask.distributed not installed (pip install terrain[distributed])"}
    else:
        tile = 150  # observer rows per band: 9 tasks
        corner = dem.window(0, 40, 0, 40)
        for workers in (1, 2):
            # one core per worker (NUMBA_NUM_THREADS=1 in the worker processes), so workers = cores used
            with _env(NUMBA_NUM_THREADS="1"), LocalCluster(n_workers=workers, threads_per_worker=1,
                                                           dashboard_address=None) as cluster, Client(cluster) as client:
                terrain.total_viewshed(corner, radius, client=client, tile=20, **kw)  # workers load the kernels
                t0 = time.perf_counter()
                area = terrain.total_viewshed(dem, radius, client=client, tile=tile, **kw)
                secs = time.perf_counter() - t0
            out["runs"][f"dask_{workers}_workers"] = {"seconds": secs,
                                                      "identical": bool(np.array_equal(area, ref, equal_nan=True))}
        out["scale_model"] = _scale_model(dem, radius, tile, out["runs"])
    # accuracy against the per-observer method on a lattice, and the sector count
    t0 = time.perf_counter()
    exact = terrain.total_viewshed(dem, radius, stride=ref_stride, method="checked", **kw)
    fast_s = time.perf_counter() - t0
    lattice = np.isfinite(exact)
    n_ref = int(lattice.sum())
    out["reference"] = {"method": "checked (per-observer viewshed; equal to exact R3)", "stride": ref_stride,
                        "observers": n_ref, "seconds": fast_s,
                        "extrapolated_every_cell_s": fast_s * rows * cols / n_ref,
                        "speedup_sector_over_fast": fast_s * rows * cols / n_ref / best}
    out["sectors"] = []
    for n_dir in (180, 360, 720):
        t0 = time.perf_counter()
        area = ref if n_dir == constants.TOTAL_VIEWSHED_DIRECTIONS else terrain.total_viewshed(
            dem, radius, n_directions=n_dir, **kw)
        secs = best if n_dir == constants.TOTAL_VIEWSHED_DIRECTIONS else time.perf_counter() - t0
        rel = area[lattice] / exact[lattice] - 1.0
        out["sectors"].append({"n_directions": n_dir, "seconds": secs, "mean_error": float(rel.mean()),
                               "mean_abs_error": float(np.abs(rel).mean()),
                               "p95_abs_error": float(np.percentile(np.abs(rel), 95)),
                               "max_abs_error": float(np.abs(rel).max())})
    return out


@contextlib.contextmanager
def _env(**values):
    """Temporarily set environment variables (inherited by processes started meanwhile)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _scale_model(dem, radius, tile, runs) -> dict:
    """N machines on paper: T(N) = T_compute / N + T_schedule + bytes_shipped / (N * link), from measured runs.

    Each band task ships its rows (band + halo) of float32 elevation and returns its float64 areas.
    """
    grid = sector_grid(dem, radius)
    rows, cols = dem.shape
    sent = 0
    n_tasks = 0
    for r in range(0, rows, tile):  # bands of full rows (terrain.distributed._submit_sector)
        h = min(rows, r + tile + grid.half_rows + 3) - max(0, r - grid.half_rows - 3)
        sent += h * cols * 4 + min(tile, rows - r) * cols * 8
        n_tasks += 1
    t1 = runs["dask_1_workers"]["seconds"]  # one worker = one core
    t2 = runs["dask_2_workers"]["seconds"]
    single = runs["1_thread"]["seconds"]
    link = 125e6  # 1 Gbit/s in bytes/s
    overhead = max(0.0, t1 - single)  # what one Dask worker adds over the bare kernel (serialisation, scheduling)
    model = {"tasks": n_tasks, "bytes_shipped": sent, "halo_overhead": sent / (rows * cols * 4 + rows * cols * 8),
             "link_bytes_per_s": link, "dask_overhead_s": overhead,
             "formula": "T(N) = T_1thread / N + dask_overhead + bytes_shipped / (N * link); the scheduler sends "
                        "tasks to N workers in parallel, each link carries 1/N of the bytes",
             "measured_speedup_2_workers": t1 / t2}
    model["predicted_s"] = {str(n): single / n + overhead + sent / (n * link) for n in (1, 2, 4, 8, 16)}
    return model


def bench_geographic(quick: bool, work: Path) -> dict:
    """Single viewshed on a geographic 1" tile (.hgt, lat/lon cells, as SRTM ships): no peer, since
    gdal_viewshed and GRASS r.viewshed need projected grids; our methods against exact."""
    n = 1201 if quick else 3601
    path = write_hgt(work, "N48E037", fractal_terrain(n, n, seed=2026, relief_m=300.0))
    dem = terrain.open_dem(path)
    lat, lon = 48.5, 37.5
    radius = float(dem.cell_dx_m.min()) * (n // 2)  # the E-W half-width of the tile
    kw = dict(observer_height=H_OBS, target_height=H_TGT, radius_m=radius, refraction=K)
    terrain.viewshed(dem, lat, lon, **kw)  # JIT warm-up, excluded
    fast = terrain.viewshed(dem, lat, lon, **kw)
    t_fast = measure.repeat(lambda: terrain.viewshed(dem, lat, lon, **kw), 3 if quick else 5)
    t0 = time.perf_counter()
    exact = terrain.viewshed(dem, lat, lon, method="exact", **kw)
    t_exact = time.perf_counter() - t0
    inside = ~np.isnan(exact.min_visible_height_m)
    return {"workload": f"single viewshed, geographic fractal {n}x{n} 1\" .hgt ({dem.resolution_note}), observer "
                        f"{lat} N {lon} E {H_OBS:g} m, target {H_TGT:g} m, radius {radius / 1000:.1f} km, k={K:.4f}",
            "ours_fast": {**t_fast, "agreement_with_exact": _agree(fast.visible, exact.visible, inside),
                          "cells_walked": fast.stats["cells_walked"]},
            "ours_exact": {"median_s": t_exact, "min_s": t_exact, "runs": 1}}


def bench_floor(quick: bool, work: Path) -> dict:
    """The physical floor: one streaming pass over the DEM (read int16 .hgt, convert to float32)."""
    n = 1201 if quick else 3601
    path = write_hgt(work, "N00E000", fractal_terrain(n, n, seed=1))
    def once():
        a = np.fromfile(path, dtype=">i2").astype(np.float32)
        return float(a[0])
    return {"workload": f"read {n}x{n} .hgt int16 -> float32", **measure.repeat(once, 5)}


def bench_radio(quick: bool, work: Path) -> dict:
    """Radio LOS coverage, 30 km from Pokrovsk, tx 2 m / rx 100 m, K = 4/3: ours vs SPLAT! -c (3" and 1"),
    on the real terrain (embedded DTED0 resampled to SRTM posts); and path loss vs ITM (itmlogic)."""
    from . import itm, splat

    lat, lon, tx, rx, radius_km, k = 48.2828, 37.1828, 2.0, 100.0, 30.0, 4 / 3
    out = {"workload": "radio LOS coverage 30 km, Pokrovsk, tx 2 m, rx 100 m, K=4/3 (real DTED0 terrain "
                       "bilinearly resampled to SRTM posts)", "rows": []}
    for arcsec in ((3,) if quick else (3, 1)):
        d = work / f"srtm{arcsec}"
        d.mkdir(exist_ok=True)
        tiles = splat.real_terrain_tiles(d, ["N48E036", "N48E037"], arcsec)
        dem = terrain.load_dem(lat, lon, radius_km * 1000 + 1000, search=d)
        kw = dict(tx_height=tx, rx_height=rx, radius_m=radius_km * 1000, k_factor=k)
        terrain.coverage(dem, lat, lon, path_metrics=False, **kw)  # JIT warm-up
        los_t = measure.repeat(lambda dem=dem, kw=kw: terrain.coverage(dem, lat, lon, path_metrics=False, **kw), 3)
        t0 = time.perf_counter()
        full = terrain.coverage(dem, lat, lon, **kw)
        row = {"resolution": dem.resolution, "cells": int(dem.shape[0] * dem.shape[1]),
               "ours_los_only": los_t, "ours_with_fresnel_and_loss_s": time.perf_counter() - t0}
        hd = arcsec == 1
        if splat.available(hd):
            row["splat_sdf_conversion_s"] = splat.make_sdf(tiles, d / "sdf", hd)
            secs, peak, rgb, transform = splat.run_coverage(d / "sdf", d / "run", lat, lon, tx, rx, radius_km, k, hd)
            sp = splat.on_grid(splat.los_mask(rgb), transform, dem)
            inside = ~np.isnan(full.path_loss_db)
            row["splat"] = {"tool": "splat-hd" if hd else "splat", "seconds": secs, "peak_rss_mib": peak,
                            "agreement_with_ours": float((sp == full.los)[inside].mean()),
                            "los_fraction_splat": float(sp[inside].mean()),
                            "los_fraction_ours": float(full.los[inside].mean())}
            row["ratio_splat_over_ours_los"] = secs / los_t["median_s"]
        else:
            row["splat"] = {"skipped": "splat / srtm2sdf not installed (apt-get install splat)"}
        out["rows"].append(row)
    if itm.available():
        d = work / "srtm3"
        rng = np.random.default_rng(11)
        paths = []
        for _ in range(8 if quick else 24):
            az, dist = float(rng.uniform(0, 360)), float(rng.uniform(3_000, 30_000))
            lat2, lon2 = terrain.geodesy.destination(lat, lon, az, dist)
            dem = terrain.load_dem(lat, lon, 31_000, search=d)
            p = terrain.profile(dem, lat, lon, lat2, lon2, height1=tx, height2=rx, freq_mhz=2400, k_factor=k)
            s = p.summary
            it = itm.median_loss_db(p.terrain_m, s["spacing_m"], tx, rx, 2400.0)
            paths.append({"azimuth_deg": az, "distance_m": s["distance_m"], "ours_loss_db": s["path_loss_db"],
                          "ours_diffraction_db": s["diffraction_loss_db"], "los": s["line_of_sight"],
                          "itm_loss_db": float(it["loss_db"]), "itm_excess_db": float(it["excess_db"]),
                          "itm_error_code": int(it["error_code"])})
        diff = np.array([p["ours_loss_db"] - p["itm_loss_db"] for p in paths])
        out["itm"] = {"paths": paths, "mean_diff_db": float(diff.mean()), "rms_diff_db": float(np.sqrt((diff**2).mean())),
                      "max_abs_diff_db": float(np.abs(diff).max()),
                      "model_note": "ours: free space + Bullington knife edge; ITM 1.2.2 median (itmlogic), "
                                    "N0=301 (K=4/3), continental temperate, vertical pol., eps 15, sigma 0.005 S/m"}
    else:
        out["itm"] = {"skipped": "itmlogic not installed (pip install itmlogic)"}
    return out


def bench_itm(quick: bool, work: Path) -> dict:
    """Path loss against ITM on station-to-drone paths (benchmarks/itm.py)."""
    from . import itm

    if not itm.available():
        return {"skipped": "itmlogic not installed (pip install itmlogic)"}
    return itm.compare_paths(quick)


def _fit_exponent(xs, ys):
    """Slope of log(time) against log(size): the empirical scaling exponent."""
    xs, ys = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    return float(np.polyfit(xs, ys, 1)[0]) if len(xs) >= 2 else None


def bench_scaling(quick: bool, work: Path) -> dict:
    """Time vs cells (0.25M, 1.4M, 13M; all peers), vs radius and vs threads (ours), fitted exponents.

    Central observer 10 m / 2 m, k = 1/7, radius = half the grid. xarray-spatial has no curvature
    option: it is scored against our exact kernel without curvature, on the sizes it finishes in time.
    """
    sizes = (501, 1201) if quick else (501, 1201, 3601)
    rows = []
    for n in sizes:
        z = fractal_terrain(n, n, seed=100 + n, relief_m=300.0)
        dem = make_dem(z, cell_m=30.0)
        radius = (n // 2) * 30.0
        tif = work / f"scal{n}.tif"
        write_geotiff(tif, dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
        kw = dict(coords="dem", observer_height=H_OBS, target_height=H_TGT, radius_m=radius, refraction=K)
        terrain.viewshed(dem, 0.0, 0.0, **kw)
        row = {"side": n, "cells": n * n,
               "ours_fast_s": measure.repeat(lambda dem=dem, kw=kw: terrain.viewshed(dem, 0.0, 0.0, **kw), 3)["median_s"]}
        before = numba.get_num_threads()
        numba.set_num_threads(1)
        row["ours_fast_1_thread_s"] = measure.repeat(lambda dem=dem, kw=kw: terrain.viewshed(dem, 0.0, 0.0, **kw),
                                                     3)["median_s"]
        numba.set_num_threads(before)
        x, y = _centre_xy(dem)
        if peers.gdal_version():
            row["gdal_s"] = float(np.median([peers.run_gdal_viewshed(tif, work / "g.tif", x, y, H_OBS, H_TGT,
                                                                    radius, K)[0] for _ in range(3)]))
        if peers.grass_version():
            row["grass_s"] = peers.run_grass_viewshed(tif, work / f"grass{n}", x, y, H_OBS, H_TGT, radius, K)[0]
        if peers.xrspatial_version() and n <= 1201:
            if n == sizes[0]:
                peers.run_xrspatial_viewshed(dem, x, y, H_OBS, H_TGT)  # its JIT warm-up
            secs, xvis = peers.run_xrspatial_viewshed(dem, x, y, H_OBS, H_TGT)
            flat = terrain.viewshed(dem, 0.0, 0.0, method="exact", curvature=False, **{
                k: v for k, v in kw.items() if k != "refraction"})
            inside = ~np.isnan(flat.min_visible_height_m)
            row["xrspatial_s"] = secs
            row["xrspatial_agreement_with_exact_no_curvature"] = _agree(xvis, flat.visible, inside)
        rows.append(row)
        print(f"  scaling {n}x{n}: {row}", flush=True)
    out = {"workload": "scaling: fractal n x n (30 m), central observer 10 m / 2 m, radius = half the grid",
           "rows": rows, "exponents_vs_cells": {}}
    for key in ("ours_fast_s", "ours_fast_1_thread_s", "gdal_s", "grass_s", "xrspatial_s"):
        pts = [(r["cells"], r[key]) for r in rows if key in r]
        if len(pts) >= 2:
            out["exponents_vs_cells"][key] = _fit_exponent(*zip(*pts, strict=True))
    # radius scaling on the largest grid
    n = sizes[-1]
    dem = make_dem(fractal_terrain(n, n, seed=100 + n, relief_m=300.0), cell_m=30.0)
    radii = (2_000.0, 5_000.0, 10_000.0, 20_000.0) if n >= 1201 else (2_000.0, 5_000.0)
    rad_rows = []
    for radius in radii:
        kw = dict(coords="dem", observer_height=H_OBS, target_height=H_TGT, radius_m=radius, refraction=K)
        rad_rows.append({"radius_m": radius,
                         "ours_fast_s": measure.repeat(lambda kw=kw: terrain.viewshed(dem, 0.0, 0.0, **kw), 3)["median_s"]})
    out["radius"] = {"grid": n, "rows": rad_rows,
                     "exponent": _fit_exponent([r["radius_m"] for r in rad_rows], [r["ours_fast_s"] for r in rad_rows])}
    return out


WORKLOADS = {"single": bench_single, "real": bench_real, "count": bench_count, "radio": bench_radio,
             "scaling": bench_scaling, "total": bench_total, "floor": bench_floor,
             "geographic": bench_geographic, "itm": bench_itm, "study": bench_study,
             "accum": bench_accum, "startup": bench_startup}


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"host": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numba": numba.__version__, "numpy": np.__version__, "terrain": terrain.__version__,
            "gdal": peers.gdal_version(), "grass": peers.grass_version(), "splat": _splat_version(),
            "xarray_spatial": peers.xrspatial_version()}


def _splat_version():
    import shutil
    import subprocess

    if not shutil.which("splat"):
        return None
    text = subprocess.run(["splat"], capture_output=True, text=True).stdout
    return next((ln.strip(" -=[]") for ln in text.splitlines() if "SPLAT!" in ln), "installed")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, few repetitions (minutes)")
    ap.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), help="run only these workloads")
    ap.add_argument("--out", type=Path, default=HERE / "results", help="directory for the JSON results")
    ap.add_argument("--no-report", action="store_true", help="do not regenerate RESULTS.md")
    ap.add_argument("--tag", default="", help="suffix for the results file name (keeps earlier runs of the day)")
    args = ap.parse_args(argv)
    names = args.only or list(WORKLOADS)
    results = {"command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
               "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "machine": machine(), "quick": args.quick, "workloads": {},
               "peers_skipped": {}}
    with tempfile.TemporaryDirectory(prefix="terrain-bench-") as tmp:
        for name in names:
            print(f"[benchmarks] {name} ...", flush=True)
            results["workloads"][name] = WORKLOADS[name](args.quick, Path(tmp))
            print(json.dumps(results["workloads"][name], indent=1), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    tag = f"-{args.tag}" if args.tag else ""
    path = args.out / f"{stamp}-{socket.gethostname()}{'-quick' if args.quick else ''}{tag}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"[benchmarks] wrote {path}")
    if not args.no_report:
        report.write_results_md(args.out, HERE / "RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
