"""The high-ground study at full SRTM resolution: nine seeded synthetic 1" tiles, ``terrain highground``
from the command line as a user runs it, its time per stage, and the accuracy of the shortcuts it takes on
1" data (each against the exact computation, on a subset it can afford):

* viewsheds: the study's exact "checked" kernel (certified lockstep) against "fast" (the plain lockstep
  kernel): per-site area difference and the time of each;
* the Fresnel-clear area from a ~1 km lattice of full-resolution paths (``radio.fresnel_clear_area``) and
  from the DEM block-averaged to ~600 m, against every 1" cell's own path; the median path loss over cells
  in line of sight on that block-averaged DEM (the jamming maps') against the 1" one;
* the total-visibility map from a sector lattice against each lattice cell's exact visible area.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from synthetic import srtm1_block

from terrain.elevation import load_dem
from terrain.highground import metrics
from terrain.radio import coverage, fresnel_clear_area
from terrain.viewshed import visible_areas

SOUTH, WEST = 47, 36  # the nine tiles around Pokrovsk (48.28 N, 37.18 E)


def _relative(a, b) -> dict:
    err = np.abs(np.asarray(a, float) / np.asarray(b, float) - 1.0) * 100
    return {"mean_pct": float(err.mean()), "p95_pct": float(np.percentile(err, 95)), "max_pct": float(err.max()),
            "sites": int(err.size)}


def bench_study(quick: bool, work: Path) -> dict:
    tiles = work / "srtm1"
    t0 = time.perf_counter()
    srtm1_block(tiles, SOUTH, WEST)
    gen_s = time.perf_counter() - t0
    out = work / "hg"
    cmd = [sys.executable, "-m", "terrain.cli.main", "highground", "--out", str(out), "--json"]
    if quick:
        cmd.append("--quick")
    env = {**os.environ, "TERRAIN_DEM_PATH": str(tiles)}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"], "returncode": done.returncode}
    res = json.loads((out / "results.json").read_text())
    row = {
        "workload": ("terrain highground on nine seeded synthetic 1\" tiles (fractal, shared edges) in "
                     "TERRAIN_DEM_PATH" + (", --quick" if quick else f", {res['sites']['n_sample']} sites")),
        "command": " ".join(["terrain", *cmd[3:]]).replace(str(out), "OUT"),
        "tile_generation_s": gen_s, "wall_s": wall, "study_runtime_s": res["runtime_s"],
        "report_s": wall - res["runtime_s"], "stage_times_s": res["stage_times_s"],
        "dem": {"resolution": res["data"]["resolution"], "shape": res["data"]["shape"],
                "path_metrics": res["data"]["path_metrics_resolution"],
                "monte_carlo": res["monte_carlo"]["run_on"]},
        "total_visibility": {k: res["total_visibility"][k] for k in ("method", "stride")},
        "verdict": res["verdict"]["bottom_line"] if "bottom_line" in res["verdict"] else None,
    }
    os.environ["TERRAIN_DEM_PATH"] = str(tiles)
    try:
        row["accuracy"] = _accuracy(res, quick)
    finally:
        del os.environ["TERRAIN_DEM_PATH"]
    return row


def _accuracy(res: dict, quick: bool) -> dict:
    cfg = res["config"]
    dem = load_dem(cfg["lat"], cfg["lon"], 80_000.0)
    sample = res["sites"]["sample"][: 12 if quick else 60]
    cells = np.array([dem.index(s["lat"], s["lon"]) for s in sample])
    kw = dict(observer_height=10.0, target_height=cfg["target_height_m"], radius_m=max(cfg["view_radii_m"]),
              refraction=cfg["refraction"])
    t0 = time.perf_counter()
    fast = visible_areas(dem, cells, method="fast", **kw)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact = visible_areas(dem, cells, method="checked", **kw)
    t_exact = time.perf_counter() - t0
    out = {"viewshed_fast_vs_checked": {**_relative(fast, exact), "fast_s": t_fast, "checked_s": t_exact,
                                        "setting": "10 m mast, 20 km, per-site visible area"}}

    path_dem = metrics.radio_path_dem(dem)
    stride = metrics.fresnel_stride(dem)
    radius = 5_000.0 if quick else 10_000.0
    rows = []
    for s in sample[: 2 if quick else 4]:
        ck = dict(tx_height=cfg["tx_height_m"], rx_height=100.0, radius_m=radius, k_factor=cfg["k_factor"],
                  freq_mhz=cfg["freq_mhz"])
        t0 = time.perf_counter()
        fine = coverage(dem, s["lat"], s["lon"], **ck)
        t_fine = time.perf_counter() - t0
        t0 = time.perf_counter()
        lattice = fresnel_clear_area(dem, s["lat"], s["lon"], stride=stride, **ck)
        t_lattice = time.perf_counter() - t0
        coarse = coverage(path_dem, s["lat"], s["lon"], **ck)
        rows.append({"fresnel_1s_km2": fine.stats["fresnel_clear_area_km2"], "fresnel_lattice_km2": lattice["area_km2"],
                     "lattice_cells": lattice["cells_walked"],
                     "fresnel_coarse_km2": coarse.stats["fresnel_clear_area_km2"],
                     "median_loss_1s_db": float(np.nanmedian(fine.path_loss_db[fine.los])),
                     "median_loss_coarse_db": float(np.nanmedian(coarse.path_loss_db[coarse.los])),
                     "fine_s": t_fine, "lattice_s": t_lattice})
    out["path_metrics_vs_1s"] = {
        "setting": (f"station 2 m, drone 100 m, radius {radius / 1000:g} km; lattice every {stride} cells; "
                    f"coarse = {path_dem.resolution}"),
        "fresnel_area_lattice": _relative([r["fresnel_lattice_km2"] for r in rows], [r["fresnel_1s_km2"] for r in rows]),
        "fresnel_area_coarse": _relative([r["fresnel_coarse_km2"] for r in rows], [r["fresnel_1s_km2"] for r in rows]),
        "median_loss_coarse_minus_1s_db": [r["median_loss_coarse_db"] - r["median_loss_1s_db"] for r in rows],
        "rows": rows}

    from terrain.highground.study import _study_window, _total_visibility

    scfg = SimpleNamespace(lat=cfg["lat"], lon=cfg["lon"], total_vis=tuple(cfg["total_vis"]),
                           refraction=cfg["refraction"], radius_m=cfg["radius_m"])
    sub = _study_window(dem, scfg)
    t0 = time.perf_counter()
    total, how = _total_visibility(sub, scfg)
    t_total = time.perf_counter() - t0
    s = how["stride"]
    tr, tc = sub.index(cfg["lat"], cfg["lon"])
    rng = np.random.default_rng(5)
    lat_rows = np.arange(tr % s, sub.shape[0], s)
    lat_cols = np.arange(tc % s, sub.shape[1], s)
    pick = np.column_stack([rng.choice(lat_rows, 40 if not quick else 10), rng.choice(lat_cols, 40 if not quick else 10)])
    radius, h, t = cfg["total_vis"]
    ref = visible_areas(sub, pick, observer_height=h, target_height=t, radius_m=radius, refraction=cfg["refraction"],
                        method="checked")
    out["total_visibility_vs_checked"] = {**_relative(total[pick[:, 0], pick[:, 1]], ref), "map_s": t_total,
                                          "observers": int(len(lat_rows) * len(lat_cols)), **how}
    return out
