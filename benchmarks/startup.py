"""Start-up of the ``terrain`` command on a small DEM, as a user types it: its own process with numba's cache
warm and empty, and handed to a running ``terrain server``; where the time of its own process goes
(``python -X importtime``: the largest top-level imports) and what the server's client imports.

The command: ``terrain viewshed 48.2828 37.1828 --dem small.tif -o v.tif --radius 5`` on the embedded DTED0
cut to 5 km around Pokrovsk (13 x 19 cells), run through the installed console script.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import terrain
from terrain.export import write_geotiff

from . import measure

RUNS = 7
ENTRY = "import sys; from terrain.cli.launch import main; sys.argv[0] = 'terrain'; main()"  # the console script
TOP_IMPORTS = ("numpy", "rasterio", "pyproj", "numba", "click", "affine", "terrain", "scipy", "tqdm")


def _script() -> list[str]:
    found = shutil.which("terrain")
    return [found] if found else [sys.executable, "-c", ENTRY]


def _run(cmd, env) -> None:
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()[-300:]}")


def _times(cmd, env, runs) -> dict:
    return measure.repeat(lambda: _run(cmd, env), runs)


def _importtime(cmd_args, env) -> dict:
    """Cumulative import time (s) of the top-level packages in one run of the command (-X importtime)."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, *cmd_args], env=env, capture_output=True,
                         text=True)
    top = {}
    for line in res.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$", line)
        if m and not m.group(2):  # top level: no indentation
            name = m.group(3).split(".")[0]
            top[name] = top.get(name, 0.0) + int(m.group(1)) / 1e6
    total = sum(top.values())
    keep = {k: round(v, 4) for k, v in sorted(top.items(), key=lambda kv: -kv[1]) if k in TOP_IMPORTS}
    return {"all_imports_s": round(total, 4), "largest": keep}


def bench_startup(quick: bool, work: Path) -> dict:
    dem = terrain.load_dem(48.2828, 37.1828, 5000)
    small = work / "small.tif"
    write_geotiff(small, dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
    args = ["viewshed", "48.2828", "37.1828", "--dem", str(small), "-o", str(work / "v.tif"), "--radius", "5"]
    runs = 3 if quick else RUNS
    sock_dir = Path(tempfile.mkdtemp(prefix="terrain-srv-"))
    # a shell's environment: less what this process's own imports set (rasterio: GDAL_DATA, PROJ_DATA)
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "PROJ_", "CPL_"))}
    base = {**shell, "TERRAIN_SERVER_SOCKET": str(sock_dir / "s.sock")}
    own = {**base, "TERRAIN_NO_SERVER": "1"}
    cmd = _script() + args
    out = {"workload": f"terrain viewshed on a {dem.shape[0]}x{dem.shape[1]}-cell DTED0 GeoTIFF, 5 km",
           "command": "terrain " + " ".join([*args[:1], "48.2828", "37.1828", "--dem", "small.tif", "-o", "v.tif", "--radius", "5"]),
           "python_bare_s": _times([sys.executable, "-c", "pass"], own, runs)}
    _run(cmd, own)  # numba's cache for this install is warm from here on
    out["own_process_warm"] = _times(cmd, own, runs)
    empty = tempfile.mkdtemp(prefix="numba-empty-")
    out["own_process_empty_numba_cache"] = _times(cmd, {**own, "NUMBA_CACHE_DIR": empty}, 1)
    shutil.rmtree(empty, ignore_errors=True)
    out["own_process_imports"] = _importtime(args, own)
    t0 = time.perf_counter()
    started = subprocess.run([*_script(), "server", "start"], env=base, capture_output=True, text=True)
    out["server_start_s"] = time.perf_counter() - t0
    try:
        if started.returncode != 0:
            out["server"] = {"skipped": started.stderr.strip()[-300:]}
            return out
        out["server"] = _times(cmd, base, runs)
        out["server_client_imports"] = _importtime(args, base)
    finally:
        subprocess.run([*_script(), "server", "stop"], env=base, capture_output=True)
        shutil.rmtree(sock_dir, ignore_errors=True)
    out["ratio_own_over_server"] = out["own_process_warm"]["median_s"] / out["server"]["median_s"]
    return out
