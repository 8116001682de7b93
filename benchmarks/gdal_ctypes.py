"""GDAL's own viewshed (``GDALViewshedGenerate``) called in-process with ctypes, from the libgdal that ships
inside the rasterio wheel (``rasterio.libs/libgdal*.so``; GDAL 3.10 there runs it on a 4-thread pool).

No GDAL Python bindings are needed: the DEM goes into a MEM dataset, the output is a MEM dataset, and only
``GDALViewshedGenerate`` is timed, as ``gdal_viewshed -om NORMAL -cc CC -md RADIUS`` would run it.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import time

import numpy as np

GDT_FLOAT32, GDT_BYTE = 6, 1
GF_READ, GF_WRITE = 0, 1
GVM_EDGE = 2  # GDALViewshedMode: GVM_Diagonal 1, GVM_Edge 2, GVM_Max 3, GVM_Min 4
GVOT_NORMAL = 1  # GDALViewshedOutputType: GVOT_NORMAL 1, GVOT_MIN_TARGET_HEIGHT_FROM_DEM 2, ..._GROUND 3


def library_path() -> str | None:
    """The libgdal of the rasterio wheel, or None."""
    try:
        import rasterio
    except ImportError:
        return None
    found = glob.glob(os.path.join(os.path.dirname(rasterio.__file__), os.pardir, "rasterio.libs", "libgdal*.so*"))
    return os.path.abspath(found[0]) if found else None


def _lib():
    import rasterio  # noqa: F401  (loads the same libgdal with its dependencies first)

    lib = ctypes.CDLL(library_path())
    lib.GDALAllRegister()  # rasterio registers drivers only inside its Env
    lib.GDALVersionInfo.restype = ctypes.c_char_p
    lib.GDALVersionInfo.argtypes = [ctypes.c_char_p]
    lib.GDALGetDriverByName.restype = ctypes.c_void_p
    lib.GDALGetDriverByName.argtypes = [ctypes.c_char_p]
    lib.GDALCreate.restype = ctypes.c_void_p
    lib.GDALCreate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                               ctypes.c_int, ctypes.c_void_p]
    lib.GDALSetGeoTransform.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    lib.GDALSetProjection.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.GDALGetGeoTransform.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    lib.GDALGetRasterBand.restype = ctypes.c_void_p
    lib.GDALGetRasterBand.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.GDALRasterIO.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                 ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                 ctypes.c_int, ctypes.c_int]
    lib.GDALGetRasterXSize.argtypes = [ctypes.c_void_p]
    lib.GDALGetRasterYSize.argtypes = [ctypes.c_void_p]
    lib.GDALClose.argtypes = [ctypes.c_void_p]
    lib.GDALViewshedGenerate.restype = ctypes.c_void_p
    lib.GDALViewshedGenerate.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p,  # band, driver, target, options
        ctypes.c_double, ctypes.c_double, ctypes.c_double, ctypes.c_double,  # observer x, y, height, target height
        ctypes.c_double, ctypes.c_double, ctypes.c_double, ctypes.c_double,  # visible, invisible, out of range, nodata
        ctypes.c_double, ctypes.c_int, ctypes.c_double,  # curvature coefficient, mode, max distance
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]  # progress, its arg, output type, extra
    return lib


def available() -> bool:
    if library_path() is None:
        return False
    try:
        return hasattr(_lib(), "GDALViewshedGenerate")
    except OSError:
        return False


def version() -> str:
    return _lib().GDALVersionInfo(b"RELEASE_NAME").decode()


@contextlib.contextmanager
def _source_band(z: np.ndarray, geotransform, crs_wkt: str):
    """The float32 grid z as band 1 of a MEM dataset with its geotransform and CRS: (lib, band)."""
    lib = _lib()
    rows, cols = z.shape
    src = lib.GDALCreate(lib.GDALGetDriverByName(b"MEM"), b"", cols, rows, 1, GDT_FLOAT32, None)
    try:
        lib.GDALSetGeoTransform(src, (ctypes.c_double * 6)(*geotransform))
        if lib.GDALSetProjection(src, crs_wkt.encode()) != 0:
            raise RuntimeError("GDALSetProjection failed")
        band = lib.GDALGetRasterBand(src, 1)
        data = np.ascontiguousarray(z, dtype=np.float32)
        if lib.GDALRasterIO(band, GF_WRITE, 0, 0, cols, rows, data.ctypes.data, cols, rows, GDT_FLOAT32, 0, 0) != 0:
            raise RuntimeError("GDALRasterIO write failed")
        yield lib, band
    finally:
        lib.GDALClose(src)


def _generate(lib, band, x, y, obs_h, tgt_h, radius_m, curv_coeff):
    """One GDALViewshedGenerate into a MEM dataset: (seconds, the output dataset; the caller closes it)."""
    t0 = time.perf_counter()
    out = lib.GDALViewshedGenerate(band, b"MEM", b"", None, x, y, obs_h, tgt_h, 255.0, 0.0, 0.0, -1.0, curv_coeff,
                                   GVM_EDGE, radius_m, None, None, GVOT_NORMAL, None)
    secs = time.perf_counter() - t0
    if not out:
        raise RuntimeError("GDALViewshedGenerate returned NULL")
    return secs, out


def _visible(lib, out, geotransform, shape) -> np.ndarray:
    """GDAL's output dataset as a visible bool grid placed on the input grid (of ``shape``)."""
    o_rows, o_cols = lib.GDALGetRasterYSize(out), lib.GDALGetRasterXSize(out)
    vis_out = np.empty((o_rows, o_cols), np.uint8)
    lib.GDALRasterIO(lib.GDALGetRasterBand(out, 1), GF_READ, 0, 0, o_cols, o_rows, vis_out.ctypes.data, o_cols,
                     o_rows, GDT_BYTE, 0, 0)
    g_out = (ctypes.c_double * 6)()
    lib.GDALGetGeoTransform(out, g_out)
    vis = np.zeros(shape, bool)
    col0 = round((g_out[0] - geotransform[0]) / geotransform[1])
    row0 = round((g_out[3] - geotransform[3]) / geotransform[5])
    vis[row0:row0 + o_rows, col0:col0 + o_cols] = vis_out == 255
    return vis


def viewshed_runs(z: np.ndarray, geotransform, crs_wkt: str, x: float, y: float, obs_h: float, tgt_h: float,
                  radius_m: float, curv_coeff: float, runs: int) -> tuple[list, np.ndarray]:
    """Time ``runs`` calls of GDALViewshedGenerate (after one untimed) on float32 grid z; returns (seconds per
    run, visible bool grid of the last run placed on z's grid). The CRS must be set: without one GDAL
    ignores the curvature coefficient (it takes the earth's radius from the CRS)."""
    times, vis = [], None
    with _source_band(z, geotransform, crs_wkt) as (lib, band):
        for i in range(runs + 1):
            secs, out = _generate(lib, band, x, y, obs_h, tgt_h, radius_m, curv_coeff)
            try:
                if i:
                    times.append(secs)
                if i == runs:
                    vis = _visible(lib, out, geotransform, z.shape)
            finally:
                lib.GDALClose(out)
    return times, vis


def interleaved_runs(z: np.ndarray, geotransform, crs_wkt: str, x: float, y: float, obs_h: float, tgt_h: float,
                     radius_m: float, curv_coeff: float, rounds: int, ours) -> tuple[list, list]:
    """GDALViewshedGenerate (as ``viewshed_runs``) and ``ours`` (a call returning its own seconds) in turns,
    ``rounds`` of each after one untimed of each, the order flipped every round: (GDAL's seconds, ours'),
    both measured over the same minutes, so that a VM whose speed drifts slows both alike."""
    g_times, o_times = [], []
    with _source_band(z, geotransform, crs_wkt) as (lib, band):
        for i in range(rounds + 1):
            for turn in ((0, 1) if i % 2 else (1, 0)):
                if turn:
                    secs, out = _generate(lib, band, x, y, obs_h, tgt_h, radius_m, curv_coeff)
                    lib.GDALClose(out)
                else:
                    secs = ours()
                if i:
                    (g_times if turn else o_times).append(secs)
    return g_times, o_times
