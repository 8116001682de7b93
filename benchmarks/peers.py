"""Peer tools, run as subprocesses; a peer that is not installed is reported as skipped."""

from __future__ import annotations

import json
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
    x, y, observer_h, target_h, radius_m = (float(v) for v in (x, y, observer_h, target_h, radius_m))
    cmd = ["gdal_viewshed", "-q", "-ox", repr(x), "-oy", repr(y), "-oz", repr(observer_h), "-tz", repr(target_h),
           "-md", repr(radius_m), "-cc", repr(1.0 - float(refraction_k)), "-vv", "255", "-iv", "0", "-ov", "0",
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


def gdal_python() -> str | None:
    """A Python interpreter with GDAL's bindings (osgeo): this one, or the system's /usr/bin/python3."""
    import sys

    for exe in (sys.executable, "/usr/bin/python3"):
        if shutil.which(exe) and subprocess.run([exe, "-c", "from osgeo import gdal"], capture_output=True).returncode == 0:
            return exe
    return None


def run_gdal_inprocess(python, dem_tif, out_npy, x, y, observer_h, target_h, radius_m, refraction_k, runs):
    """GDAL's viewshed algorithm alone (``gdal_inprocess.py``: in-memory input and output, no process start
    or file I/O in the timing); returns (GDAL version, seconds per run, visible bool grid)."""
    from pathlib import Path

    script = Path(__file__).with_name("gdal_inprocess.py")
    args = [repr(float(v)) for v in (x, y, observer_h, target_h, radius_m, 1.0 - float(refraction_k))]
    out = subprocess.run([python, str(script), str(dem_tif), *args, str(int(runs)), str(out_npy)], check=True,
                         capture_output=True, text=True)
    res = json.loads(out.stdout)
    return res["version"], res["times_s"], np.load(out_npy)


def grass_version() -> str | None:
    if not shutil.which("grass"):
        return None
    out = subprocess.run(["grass", "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "unknown"


def run_grass_viewshed(dem_tif, work, x, y, observer_h, target_h, radius_m, refraction_k):
    """GRASS r.viewshed (-b boolean, -c curvature, -r refraction) in a temporary location.

    Returns (seconds of r.viewshed alone, its peak RSS MiB, visible bool grid); the import and
    export around it are not timed. r.viewshed adjusts heights by d^2 / (2R) (1 - refraction_coeff),
    the same model as ours with k = refraction_coeff.
    """
    from pathlib import Path

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    x, y, observer_h, target_h, radius_m, refraction_k = (
        float(v) for v in (x, y, observer_h, target_h, radius_m, refraction_k))  # plain floats: repr() in the script
    timing = work / "grass_time.txt"
    out_tif = work / "grass_vs.tif"
    script = work / "grass_run.sh"
    with rasterio.open(dem_tif) as src:
        shape = (src.height, src.width)
    script.write_text(
        "set -e\n"
        f"r.in.gdal -o input={dem_tif} output=dem --quiet\n"
        "g.region raster=dem\n"
        f"/usr/bin/time -o {timing} -f '%e %M' r.viewshed -b -c -r input=dem output=vs "
        f"coordinates={x!r},{y!r} observer_elevation={observer_h!r} target_elevation={target_h!r} "
        f"max_distance={radius_m!r} refraction_coeff={refraction_k!r} --quiet --overwrite\n"
        f"r.out.gdal input=vs output={out_tif} format=GTiff --quiet --overwrite\n"
    )
    # a temporary location whose projection is taken from the GeoTIFF itself
    subprocess.run(["grass", "--tmp-location", str(dem_tif), "--exec", "bash", str(script)], check=True,
                   capture_output=True)
    secs, kib = timing.read_text().split()[-2:]
    with rasterio.open(out_tif) as ds:
        vis = np.zeros(shape, bool)
        vis[:] = ds.read(1) == 1
    return float(secs), float(kib) / 1024, vis


def xrspatial_version() -> str | None:
    try:
        import xrspatial
    except ImportError:
        return None
    return getattr(xrspatial, "__version__", "installed")


def run_xrspatial_viewshed(dem, x, y, observer_h, target_h):
    """xarray-spatial ``viewshed`` on the same grid: returns (seconds, visible bool grid).

    xarray-spatial has no earth-curvature or refraction option, so it is compared with our exact
    kernel run with curvature off.
    """
    import xarray as xr
    from xrspatial import viewshed

    rows, cols = dem.shape
    t = dem.transform
    xs = t.c + t.a * (np.arange(cols) + 0.5)
    ys = t.f + t.e * (np.arange(rows) + 0.5)
    raster = xr.DataArray(dem.elevation.astype(np.float64), coords={"y": ys, "x": xs}, dims=("y", "x"))
    t0 = time.perf_counter()
    out = viewshed(raster, x=x, y=y, observer_elev=observer_h, target_elev=target_h)
    secs = time.perf_counter() - t0
    return secs, np.asarray(out.values) != -1
