"""GDAL 3.10's cumulative viewshed (``gdal_viewshed -om ACCUM``) in-process, through a small shim
(``gdal_accum_shim.cpp``) compiled here with the system C++ compiler against the rasterio wheel's libgdal.

Nothing is committed as a build: the shim is compiled into the benchmark's temporary directory each run.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from .gdal_ctypes import library_path

HERE = Path(__file__).resolve().parent


def build(work: Path) -> tuple[ctypes.CDLL | None, str]:
    """(the loaded shim, "") or (None, why it could not be built)."""
    lib = library_path()
    cxx = shutil.which("c++") or shutil.which("g++")
    if lib is None or cxx is None:
        return None, "needs the rasterio wheel's libgdal and a C++ compiler"
    out = work / "libterrain_gdal_accum.so"
    cmd = [cxx, "-O2", "-std=c++17", "-shared", "-fPIC", str(HERE / "gdal_accum_shim.cpp"), "-o", str(out),
           lib, f"-Wl,-rpath,{os.path.dirname(lib)}"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None, "shim did not compile: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    from .gdal_ctypes import _lib

    _lib()  # libgdal loaded and its drivers registered first
    shim = ctypes.CDLL(str(out))
    shim.terrain_gdal_accum.restype = ctypes.c_int
    shim.terrain_gdal_accum.argtypes = [ctypes.c_char_p, ctypes.c_char_p] + [ctypes.c_double] * 4 + [ctypes.c_int] * 2
    return shim, ""


def run(shim, dem_tif: Path, out_tif: Path, height: float, target: float, radius_m: float, curve_coeff: float,
        spacing: int, jobs: int) -> tuple[float, np.ndarray]:
    """(seconds, counts as GDAL scales them: uint8 0-255) of one cumulative run; the time includes GDAL's
    reading of the DEM and writing of its output, as the command's would."""
    import rasterio

    if out_tif.exists():
        out_tif.unlink()
    t0 = time.perf_counter()
    ok = shim.terrain_gdal_accum(str(dem_tif).encode(), str(out_tif).encode(), height, target, radius_m, curve_coeff,
                                 spacing, jobs)
    elapsed = time.perf_counter() - t0
    if not ok:
        raise RuntimeError("GDAL cumulative viewshed failed")
    with rasterio.open(out_tif) as src:
        return elapsed, src.read(1)


def decode_counts(scaled: np.ndarray, near: int) -> tuple[np.ndarray, int]:
    """GDAL's 0-255 output back to observer counts: (counts, the largest count m it was scaled by).

    GDAL writes floor(255 c / m); for m <= 255 that is one-to-one, c = ceil(v m / 255). m is not stored, so
    it is the m (closest to ``near``) whose scale holds every value present."""
    present = set(np.unique(scaled).tolist())
    fits = [m for m in range(1, 256) if present <= {int(255 * c // m) for c in range(m + 1)}]
    if not fits:
        raise ValueError("output is not a scaled count raster")
    m = min(fits, key=lambda v: abs(v - near))
    return np.ceil(scaled.astype(np.float64) * m / 255.0 - 1e-9).astype(np.int32), m
