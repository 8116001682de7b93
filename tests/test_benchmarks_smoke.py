"""The benchmark suite runs (quick, peers hidden) and writes its results; no timing is asserted."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "benchmarks" / "__main__.py").exists(), reason="needs the source tree")
def test_quick_suite_runs_with_peers_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # hide gdal_viewshed & co: they must be reported as skipped
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.__main__ import main

    assert main(["--quick", "--only", "real", "floor", "--out", str(tmp_path), "--no-report"]) == 0
    result = json.loads(next(tmp_path.glob("*.json")).read_text())
    real = result["workloads"]["real"]
    assert "skipped" in real["gdal_viewshed"]
    assert real["ours_fast"]["agreement_with_exact"] >= 0.995
    from benchmarks import report

    report.write_results_md(tmp_path, tmp_path / "RESULTS.md")
    assert "skipped" in (tmp_path / "RESULTS.md").read_text() or "not installed" in (tmp_path / "RESULTS.md").read_text()
    del sys.modules["benchmarks.__main__"]


@pytest.mark.skipif(not (ROOT / "benchmarks" / "__main__.py").exists(), reason="needs the source tree")
def test_gdal_peer_in_process_agrees_and_interleaves(monkeypatch):
    """The GDAL 3.10 peer (the rasterio wheel's libgdal via ctypes) sees what our exact kernel sees on a
    small fractal, and the interleaved runner alternates it with ours, round for round."""
    monkeypatch.syspath_prepend(str(ROOT))
    from helpers import make_dem
    from synthetic import fractal_terrain

    import terrain
    from benchmarks import gdal_ctypes
    from terrain import geodesy

    if not gdal_ctypes.available():
        pytest.skip("no libgdal with GDALViewshedGenerate in rasterio.libs")
    dem = make_dem(fractal_terrain(121, 121, seed=3, relief_m=120.0), cell_m=30.0)
    t = dem.transform
    gt = (t.c, t.a, t.b, t.f, t.d, t.e)
    x, y = geodesy.apply_affine(t, 60.5, 60.5)
    k = 1 / 7
    times, vis = gdal_ctypes.viewshed_runs(dem.elevation, gt, geodesy.crs_wkt(dem.crs), x, y, 10.0, 2.0, 1500.0,
                                           1.0 - k, 2)
    exact = terrain.viewshed(dem, x, y, coords="dem", observer_height=10.0, target_height=2.0, radius_m=1500.0,
                             refraction=k, method="exact")
    inside = ~np.isnan(exact.min_visible_height_m)
    assert len(times) == 2 and vis.shape == dem.shape
    assert 0.2 < exact.visible[inside].mean() < 0.98  # neither all seen nor all hidden: the agreement is a test
    assert (vis[inside] == exact.visible[inside]).mean() >= 0.97
    calls = []
    g, o = gdal_ctypes.interleaved_runs(dem.elevation, gt, geodesy.crs_wkt(dem.crs), x, y, 10.0, 2.0, 1500.0,
                                        1.0 - k, 3, lambda: calls.append(1) or 0.5)
    assert len(g) == len(o) == 3 and len(calls) == 4 and o == [0.5] * 3 and all(s > 0 for s in g)
