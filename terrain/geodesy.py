"""Geodesy: pyproj geodesics, cell sizes in metres, and the local metric frame
the kernels use to measure distances from an observer.

The kernels never see a CRS. They get, for one observer, per-row northing
offsets in metres and a per-row east scale (metres per unit of column
coordinate). On a geographic grid this is the ellipsoidal mid-latitude
formula (Bowring's "flat earth" with the meridian radius M and prime-vertical
radius N taken at the mean latitude), which matches pyproj's geodesic
distances to 0.2 m at 50 km and 1.7 m at 100 km at 48 N; azimuths get the
half meridian-convergence correction. On a projected grid it is the grid
distance divided by the projection's point scale factor at the observer.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass

import numpy as np
import pyproj

from .constants import WGS84_A_M, WGS84_E2
from .kernels import geometry

GEOD = pyproj.Geod(ellps="WGS84")


def transformer(src_wkt: str, dst_wkt: str) -> pyproj.Transformer:
    """An always-xy pyproj Transformer between two CRSs given as WKT (or "EPSG:4326"), cached per thread.

    Building one costs several milliseconds; pyproj objects are not shared between threads.
    """
    return _transformer(src_wkt, dst_wkt, threading.get_ident())


@functools.lru_cache(maxsize=32)
def _transformer(src_wkt: str, dst_wkt: str, _thread: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(src_wkt), pyproj.CRS.from_user_input(dst_wkt),
                                       always_xy=True)


def crs_wkt(crs) -> str:
    """The WKT of a CRS: rasterio's CRS keeps it once written (``.wkt``, ~2 us), where ``to_wkt()`` writes it
    anew each call (~0.1 ms, several times per viewshed); any other CRS object by its ``to_wkt()``."""
    wkt = getattr(crs, "wkt", None)
    return wkt if isinstance(wkt, str) else crs.to_wkt()


def crs_label(crs) -> str | None:
    """A CRS as text ("EPSG:32637", or WKT when it has no code); None for no CRS. Cached: the lookup takes ms."""
    return None if crs is None else _crs_label(crs_wkt(crs))


@functools.lru_cache(maxsize=32)
def _crs_label(wkt: str) -> str:
    from rasterio.crs import CRS

    return CRS.from_wkt(wkt).to_string()


def apply_affine(transform, col, row):
    """(x, y) of fractional pixel position (col, row): the affine map written out (any affine version)."""
    t = transform
    return t.a * col + t.b * row + t.c, t.d * col + t.e * row + t.f


def meridian_radius_m(lat_rad):
    """M(phi) = a (1 - e2) / (1 - e2 sin^2 phi)^1.5 (m)."""
    s = np.sin(lat_rad) ** 2
    return WGS84_A_M * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s) ** 1.5


def prime_vertical_radius_m(lat_rad):
    """N(phi) = a / sqrt(1 - e2 sin^2 phi) (m)."""
    return WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * np.sin(lat_rad) ** 2)


def geographic_cell_sizes_m(transform, rows: int, deg_per_unit: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """E-W and N-S size (m) of the cells in each row of a lat/lon grid, from geodesics.

    ``deg_per_unit`` converts the grid's angular unit to degrees (0.9 for grads).
    """
    res_x, res_y = transform.a * deg_per_unit, -transform.e * deg_per_unit
    lat_c = (transform.f + transform.e * (np.arange(rows) + 0.5)) * deg_per_unit
    lon0 = np.zeros(rows)  # sizes do not depend on longitude (nor on the prime meridian)
    _, _, dx = GEOD.inv(lon0, lat_c, lon0 + res_x, lat_c)
    _, _, dy = GEOD.inv(lon0, np.clip(lat_c - res_y / 2, -90, 90), lon0, np.clip(lat_c + res_y / 2, -90, 90))
    return np.asarray(dx, dtype=np.float64), np.asarray(dy, dtype=np.float64)


def degrees_per_unit(crs) -> float:
    """Degrees per angular unit of a geographic CRS (1 for degrees, 0.9 for grads); 1 otherwise."""
    if crs is None or not crs.is_geographic:
        return 1.0
    return _degrees_per_unit(crs_wkt(crs))


@functools.lru_cache(maxsize=32)
def _degrees_per_unit(wkt: str) -> float:
    return math.degrees(pyproj.CRS.from_wkt(wkt).axis_info[0].unit_conversion_factor)


def is_wgs84_lonlat(crs) -> bool:
    """True if ``crs`` is WGS84 longitude/latitude in degrees from Greenwich (EPSG:4326, OGC:CRS84 ...)."""
    # a projected CRS is never lon/lat (no WKT needed)
    return crs is not None and bool(crs.is_geographic) and _is_wgs84(crs_wkt(crs))


@functools.lru_cache(maxsize=32)
def _is_wgs84(wkt: str) -> bool:
    return pyproj.CRS.from_wkt(wkt).equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True)


def distance_azimuth(lat1, lon1, lat2, lon2):
    """Geodesic distance (m) and forward azimuth (degrees from north) on WGS84."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2)))
    az, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return dist, np.mod(az, 360.0)


def destination(lat, lon, azimuth_deg, distance_m):
    """(lat, lon) reached from (lat, lon) along a geodesic."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth_deg, distance_m)
    return lat2, lon2


def circle_bounds(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) in degrees enclosing a geodesic circle."""
    lats, lons = [], []
    for az in range(0, 360, 5):
        la, lo = destination(lat, lon, az, radius_m)
        lats.append(la)
        lons.append(lo)
    pad_lat = radius_m * 0.01 / 111_000.0 + 1e-9  # the 5-degree polygon is inside the circle
    pad_lon = pad_lat / max(math.cos(math.radians(lat)), 1e-6)
    return min(lats) - pad_lat, min(lons) - pad_lon, max(lats) + pad_lat, max(lons) + pad_lon


@dataclass(frozen=True)
class MetricFrame:
    """Local metric frame of one observer on one grid (the kernels' geometry).

    A cell centre (row, col) lies ``y = row_y_m[row]`` metres north and
    ``x = row_x_scale[row] * col_x[col]`` metres east of the observer, and at
    ``hypot(x, y)`` metres. ``row_conv[row] * col_x[col]`` is the half
    meridian convergence (radians) subtracted from ``atan2(x, y)`` to give the
    initial geodesic azimuth.
    """

    row_y_m: np.ndarray
    row_x_scale: np.ndarray
    col_x: np.ndarray
    row_conv: np.ndarray


def metric_frame(transform, crs, shape, obs_row: float, obs_col: float) -> MetricFrame:
    """Build the frame for an observer at fractional cell (obs_row, obs_col)."""
    rows, cols = shape
    row_coord, col_coord, geographic, scale = grid_axes(transform, crs, shape, obs_row, obs_col)
    frame = MetricFrame(np.empty(rows), np.empty(rows), np.empty(cols), np.empty(rows))
    y0 = transform.f + transform.e * (obs_row + 0.5)
    x0 = transform.c + transform.a * (obs_col + 0.5)
    if geographic:
        rad = math.radians(degrees_per_unit(crs))
        geometry.geographic_frame(row_coord, col_coord, y0 * rad, x0 * rad, WGS84_A_M, WGS84_E2, *_fields(frame))
    else:
        geometry.projected_frame(row_coord, col_coord, y0, x0, scale, *_fields(frame))
    return frame


def _fields(frame):
    return frame.row_y_m, frame.row_x_scale, frame.col_x, frame.row_conv


def cell_centres(transform, crs, shape):
    """Cell-centre coordinates of rows and columns (radians if geographic, else CRS units) and the flag."""
    rows, cols = shape
    y = transform.f + transform.e * (np.arange(rows, dtype=np.float64) + 0.5)
    x = transform.c + transform.a * (np.arange(cols, dtype=np.float64) + 0.5)
    if crs is not None and crs.is_geographic:
        rad = math.radians(degrees_per_unit(crs))
        return y * rad, x * rad, True
    return y, x, False


def grid_axes(transform, crs, shape, obs_row: float, obs_col: float):
    """``cell_centres`` and the projection's point scale factor at cell (obs_row, obs_col) (1 if geographic)."""
    y, x, geographic = cell_centres(transform, crs, shape)
    return y, x, geographic, 1.0 if geographic else _point_scale(transform, crs, obs_row, obs_col)


def _point_scale(transform, crs, obs_row, obs_col):
    """Grid units per true metre at cell centre(s) (row, col): the geometric mean of the E-W and N-S
    scales of :func:`axis_scales` (equal in conformal projections; 0.17 % apart in EPSG:3857 at 60 N)."""
    sx, sy = axis_scales(transform, crs, obs_row, obs_col)
    scale = np.sqrt(sx * sy)
    return scale if np.ndim(scale) else float(scale)


def axis_scales(transform, crs, row, col):
    """(E-W, N-S) grid units per true metre at cell centre(s) (row, col) of a projected grid.

    Measured, not taken from the projection's formulae: the geodesic length (WGS84) of one cell
    step each way from the centre. That holds for any projection, its units and its datum,
    including EPSG:3857, whose own scale factors are those of a sphere. (1, 1) without a CRS;
    NaN where the point is outside the projection's domain.
    """
    row = np.asarray(row, dtype=np.float64)
    col = np.asarray(col, dtype=np.float64)
    if crs is None:
        return (np.ones(np.broadcast(row, col).shape),) * 2 if np.ndim(row) else (1.0, 1.0)
    x = transform.c + transform.a * (col + 0.5)
    y = transform.f + transform.e * (row + 0.5)
    hx, hy = abs(transform.a) / 2, abs(transform.e) / 2
    to_ll = transformer(crs_wkt(crs), "EPSG:4326")
    with np.errstate(all="ignore"):
        lon_w, lat_w = to_ll.transform(x - hx, y, errcheck=False)
        lon_e, lat_e = to_ll.transform(x + hx, y, errcheck=False)
        lon_s, lat_s = to_ll.transform(x, y - hy, errcheck=False)
        lon_n, lat_n = to_ll.transform(x, y + hy, errcheck=False)
        ok = np.isfinite([lon_w, lat_w, lon_e, lat_e, lon_s, lat_s, lon_n, lat_n]).all(axis=0)
        fill = np.where(ok, 0.0, np.nan)
        dist_x = GEOD.inv(*(np.where(ok, v, 0.0) for v in (lon_w, lat_w, lon_e, lat_e)))[2] + fill
        dist_y = GEOD.inv(*(np.where(ok, v, 0.0) for v in (lon_s, lat_s, lon_n, lat_n)))[2] + fill
        sx, sy = 2 * hx / np.asarray(dist_x), 2 * hy / np.asarray(dist_y)
    return (sx, sy) if np.ndim(sx) else (float(sx), float(sy))


def row_scales(transform, crs, shape) -> np.ndarray:
    """Grid units per true metre of each row at the grid's middle column (float64 (rows,); geometric mean)."""
    sx, sy = row_axis_scales(transform, crs, shape)
    return np.sqrt(sx * sy)


def row_axis_scales(transform, crs, shape) -> tuple[np.ndarray, np.ndarray]:
    """(E-W, N-S) grid units per true metre of each row at the grid's middle column (float64 (rows,) each)."""
    rows = np.arange(shape[0], dtype=np.float64)
    sx, sy = axis_scales(transform, crs, rows, np.full(shape[0], (shape[1] - 1) / 2.0))
    return np.broadcast_to(sx, (shape[0],)).astype(np.float64), np.broadcast_to(sy, (shape[0],)).astype(np.float64)
