"""Public viewshed API: ``viewshed`` and ``viewshed_count``, thin wrappers over kernels."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numba import get_num_threads

from . import constants, geodesy
from .elevation import Dem, check_lat_lon, load_dem
from .errors import InvalidParameterError
from .kernels import certify, los, rays, stats
from .kernels import count as count_kernels
from .kernels.geometry import max_cell_m

METHODS = ("fast", "checked", "exact")


def check_finite(name: str, value, *, minimum=None, maximum=None, below=None) -> float:
    """Float value or InvalidParameterError naming the parameter, the value and the range."""
    try:
        if isinstance(value, (bool, np.bool_, str, bytes, bytearray)) and not _numeric_text(value):
            raise TypeError
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameterError(f"{name} {value!r} is not a number") from None
    bad = not math.isfinite(v) or (minimum is not None and v < minimum) or (maximum is not None and v > maximum)
    bad = bad or (below is not None and v >= below)
    if bad:
        rng = []
        if minimum is not None:
            rng.append(f">= {minimum:g}")
        if maximum is not None:
            rng.append(f"<= {maximum:g}")
        if below is not None:
            rng.append(f"< {below:g}")
        raise InvalidParameterError(f"{name} {value!r} must be a finite number {' and '.join(rng)}".rstrip())
    return v


def _numeric_text(value) -> bool:
    """True for a string that spells a number (the CLI passes text); False for bools."""
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def check_radius_km(name: str, radius_km) -> float:
    """A CLI radius in km as metres; InvalidParameterError beyond MAX_CLI_RADIUS_KM, with a hint about units."""
    r_km = check_finite(name, radius_km, minimum=0)
    limit_km = constants.MAX_CLI_RADIUS_KM
    if r_km > limit_km:
        hint = f"; did you mean {r_km:g} m = {r_km / 1000:g} km?" if r_km / 1000 <= limit_km else ""
        raise InvalidParameterError(f"{name} {radius_km!r} km is more than {limit_km:g} km (it is in km){hint}")
    return r_km * 1000.0


def check_radius_m(name: str, radius_m, *, positive: bool = False) -> float:
    """A radius in metres within [0, MAX_RADIUS_M] (> 0 if ``positive``), else InvalidParameterError."""
    r = check_finite(name, radius_m, minimum=0, maximum=constants.MAX_RADIUS_M)
    if positive and r <= 0:
        raise InvalidParameterError(f"{name} {radius_m!r} must be > 0 m")
    return r


def _check_physics(observer_height, target_height, radius_m, refraction) -> tuple[float, float, float, float]:
    """Validated (observer height m, target height m, radius m, refraction k)."""
    h0 = check_finite("observer_height", observer_height, minimum=0, maximum=constants.MAX_HEIGHT_M)
    ht = check_finite("target_height", target_height, minimum=0, maximum=constants.MAX_HEIGHT_M)
    radius = check_radius_m("radius_m", radius_m, positive=True)
    k = check_finite("refraction", refraction, minimum=constants.REFRACTION_RANGE[0], below=constants.REFRACTION_RANGE[1])
    return h0, ht, radius, k


def inverse_2reff(curvature: bool, refraction: float) -> float:
    """1 / (2 r_eff) (1/m), r_eff = R / (1 - k); 0 without curvature."""
    if not curvature:
        return 0.0
    return (1.0 - refraction) / (2.0 * constants.EARTH_RADIUS_M)


@dataclass
class ViewshedResult:
    """A viewshed aligned with its DEM, plus every parameter that produced it.

    Attributes
    ----------
    visible : bool (rows, cols), True where a target at ``target_height_m`` is seen (None from
        ``viewshed(..., grids=False)``, as is ``min_visible_height_m``).
    min_visible_height_m : float32 (rows, cols), metres above ground a target at the
        cell must be raised to be seen (0 where the ground itself is visible; NaN
        outside the radius and on voids). ``visible == (min_visible_height_m <=
        target_height_m)`` up to rounding. None from ``viewshed(..., heights=False)``.
    horizon_m : float64 (360,), farthest visible distance (m) per 1-degree azimuth bin
        (bin i centred on azimuth i degrees from north): the farthest visible cell centre in
        the bin or the farthest visible cell along the bin's centre ray, whichever is farther
        (bins near the observer hold no cell centre).
    """

    visible: np.ndarray | None
    min_visible_height_m: np.ndarray | None
    horizon_m: np.ndarray
    transform: object
    crs: object
    params: dict
    stats: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Every number and parameter, JSON-ready."""
        return {**self.params, **self.stats}


def _observer_cell(dem: Dem, a, b, coords: str):
    if coords == "latlon":
        row, col = dem.index(a, b)
    elif coords == "dem":
        x = check_finite("x", a)
        y = check_finite("y", b)
        row, col = dem.rowcol_xy(x, y)
    else:
        raise InvalidParameterError(f"coords {coords!r} must be 'latlon' or 'dem'")
    if dem.void[row, col]:
        raise InvalidParameterError(f"the observer at ({a}, {b}) stands on a void (nodata) cell; fill voids or move it")
    return row, col


@dataclass
class ObserverWindow:
    """An observer's cell, its radius window of the DEM (a view), its position in it and its metric frame."""

    row: int
    col: int
    ra: int
    rb: int
    ca: int
    cb: int
    clipped: bool
    half_r: int  # the full radius window's half size (rows, cols), where the DEM may stop short of it
    half_c: int
    win: Dem
    r0: int
    c0: int
    frame: geodesy.MetricFrame
    elev: np.ndarray  # C-contiguous float32 window
    void: np.ndarray  # C-contiguous bool window


def observer_window(dem: Dem, a, b, coords: str, radius_m: float) -> ObserverWindow:
    """Everything a single-observer kernel needs: the observer at (a, b) and its radius window."""
    row, col = _observer_cell(dem, a, b, coords)
    ra, rb, ca, cb, half_r, half_c, clipped = _radius_window(dem, row, col, radius_m)
    win = dem.window(ra, rb, ca, cb)
    r0, c0 = row - ra, col - ca
    frame = geodesy.metric_frame(win.transform, win.crs, win.shape, r0, c0)
    return ObserverWindow(row, col, ra, rb, ca, cb, clipped, half_r, half_c, win, r0, c0, frame,
                          np.ascontiguousarray(win.elevation), np.ascontiguousarray(win.void))


def _radius_window(dem: Dem, row: int, col: int, radius_m: float):
    rows, cols = dem.shape
    half_r = int(math.ceil(radius_m / float(dem.cell_dy_m.min()))) + 1
    ra, rb = max(0, row - half_r), min(rows, row + half_r + 1)
    half_c = int(math.ceil(radius_m / float(dem.cell_dx_m[ra:rb].min()))) + 1
    ca, cb = max(0, col - half_c), min(cols, col + half_c + 1)
    need_r = int(radius_m / float(dem.cell_dy_m.max()))  # cells the disc surely spans
    need_c = int(radius_m / float(dem.cell_dx_m[ra:rb].max()))
    clipped = row - need_r < 0 or row + need_r >= rows or col - need_c < 0 or col + need_c >= cols
    return ra, rb, ca, cb, half_r, half_c, clipped


def _lockstep_full_window(w, radius, z0, ht, inv2r, vis, mvh, certify_mode=0) -> int:
    """The lockstep kernel (fast, or certify_mode) with its rays cast to the full radius window, even where
    the DEM stops short of it.

    Its rays go to the window's edge, so a window cut by the DEM's edge would cast other rays and give
    (slightly) other answers for the same cells; cast as for the full window (``rays_rows/rays_cols``),
    the result does not depend on how much DEM is loaded (load_dem's mosaic for a radius stops a cell or
    two short of the window). A radius reaching more than 1/8 past the grid is clipped and says so; its
    rays stop there. Writes vis/mvh; returns the cells walked.
    """
    rows, cols = w.elev.shape
    # the kernel's own rule, run as plain Python here (no numba dispatch on the command's start): a radius far
    # past the DEM (1e9 m means "the whole grid") stops its rays at 1/8 past the grid, not at millions of cells
    half_r = rays.cast_extent.py_func(w.half_r, w.r0, rows)
    half_c = rays.cast_extent.py_func(w.half_c, w.c0, cols)
    frame = w.frame
    cell_m = max_cell_m(frame.row_y_m, frame.row_x_scale, frame.col_x)
    return int(rays.lockstep_viewshed(w.elev, w.void, frame.row_y_m, frame.row_x_scale, frame.col_x, w.r0, w.c0, z0,
                                      ht, inv2r, radius, cell_m, constants.FAST_UNSURE_FRACTION,
                                      constants.FAST_WALK_WINDOW, vis, mvh, half_r, half_c, certify_mode))


def viewshed(
    dem: Dem | None,
    lat: float,
    lon: float,
    *,
    observer_height: float = constants.OBSERVER_HEIGHT_M,
    target_height: float = constants.TARGET_HEIGHT_M,
    radius_m: float = constants.RADIUS_M,
    refraction: float = constants.REFRACTION_LIGHT,
    curvature: bool = True,
    method: str = "fast",
    coords: str = "latlon",
    grids: bool = True,
    heights: bool = True,
) -> ViewshedResult:
    """Where an observer at (lat, lon) can see.

    Parameters
    ----------
    dem : Dem or None
        From :func:`terrain.open_dem` / :func:`terrain.load_dem`; None loads the
        default tile search path around the observer.
    lat, lon : float
        Observer, WGS84 degrees (or x, y in the DEM's CRS with ``coords="dem"``).
    observer_height, target_height : float
        Eye and target heights above ground (m); defaults 2 and 0.
    radius_m : float
        Maximum distance (m); default 20 km.
    refraction : float
        Refraction coefficient k (default 1/7, light); effective radius R/(1-k).
    curvature : bool
        Earth curvature (default True); False ignores curvature and refraction.
    method : {"fast", "checked", "exact"}
        ``"fast"`` (default): lockstep R2 (``kernels/rays.py``) with windowed
        re-walks of the cells its rays disagree about, an approximation that
        agrees with ``"exact"`` on >= 99.8 % of cells (measured in tests and
        benchmarks). ``"checked"``: the same rays, certified (``kernels/certify.py``):
        each cell's horizon from its own samples on the few grid lines its two
        rays' bounds cannot rule out; equal to ``"exact"``, visibility and minimum
        visible height alike.
        ``"exact"``: R3 walk for every cell. ``stats["cells_walked"]`` counts the
        cells each settled by a sight-line walk.
    grids : bool
        False: no DEM-sized ``visible`` / ``min_visible_height_m`` grids (None),
        only params, stats and horizon (for callers running thousands of
        viewsheds on a large DEM, where those grids cost more than the kernel).
    heights : bool
        False: visibility only, no ``min_visible_height_m`` (None); the fast and
        checked kernels then neither compute nor store heights (what GDAL's
        gdal_viewshed computes in its default mode). Visibility is the same.

    Returns
    -------
    ViewshedResult

    Raises
    ------
    InvalidParameterError
        Negative heights or radius, NaN, k >= 1, observer outside the DEM or on a void.
    MissingElevationError
        ``dem=None`` and no tile covers the area.

    Notes
    -----
    Distances are ellipsoidal (WGS84) from the observer, accurate to ~2 m at
    100 km; sight lines are straight in grid space, which on a lat/lon grid
    deviates from the geodesic by at most d^2 tan(lat) / (8 R): ~10 m at 20 km,
    ~0.2 km at 100 km (48 N).

    Examples
    --------
    >>> import terrain
    >>> r = terrain.viewshed(None, 48.2828, 37.1828, radius_m=5000)  # doctest: +SKIP
    """
    h0, ht, radius, k = _check_physics(observer_height, target_height, radius_m, refraction)
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidParameterError(f"method {method!r} must be one of {', '.join(METHODS)}")
    if dem is None:
        if coords != "latlon":
            raise InvalidParameterError("coords='dem' needs an explicit dem")
        dem = load_dem(*check_lat_lon(lat, lon), radius)
    w = observer_window(dem, lat, lon, coords, radius)
    row, col, ra, rb, ca, cb, clipped = w.row, w.col, w.ra, w.rb, w.ca, w.cb, w.clipped
    win, r0, c0, frame, elev, void = w.win, w.r0, w.c0, w.frame, w.elev, w.void
    vis = np.zeros(win.shape, np.uint8)
    heights = bool(heights)
    mvh = np.empty(win.shape if heights or method == "exact" else (0, 0), np.float32)  # exact writes both
    z0 = float(elev[r0, c0]) + h0
    inv2r = inverse_2reff(curvature, k)
    args = (elev, void, frame.row_y_m, frame.row_x_scale, frame.col_x, r0, c0, z0, ht, inv2r, radius)
    t0 = time.perf_counter()
    if method == "exact":
        los.exact_viewshed(*args, vis, mvh)
        n_walked = int(np.count_nonzero(~np.isnan(mvh)))
    elif method == "checked":
        n_walked = _lockstep_full_window(w, radius, z0, ht, inv2r, vis, mvh,
                                         certify.EVERYTHING if heights else certify.VISIBILITY)
    else:
        n_walked = _lockstep_full_window(w, radius, z0, ht, inv2r, vis, mvh)
    elapsed = time.perf_counter() - t0

    horizon = np.zeros(constants.HORIZON_BINS)
    cell_area = win.cell_dx_m * win.cell_dy_m
    # Beyond ~57 cell diagonals every cell a bin's centre ray meets has its centre inside the bin, so the fold
    # already holds it: the ray walk (run beside the fold) is only needed nearer than that.
    diag = math.hypot(*win.mean_cell_size_m)
    near = 0.5 * diag / math.sin(math.pi / constants.HORIZON_BINS) + diag
    vis_m2, disc_m2, n_void, fr, fc, far_m = stats.summarize(
        vis, void, frame.row_y_m, frame.row_x_scale, frame.col_x, frame.row_conv, cell_area, radius,
        constants.HORIZON_BINS, horizon, ray=(r0, c0, min(radius, near), 0.5 * float(min(win.mean_cell_size_m))),
        voids=dem.has_voids,  # the window's voids are the DEM's: none if it has none
    )
    visible = mvh_full = None  # mvh_full stays None with heights=False, even where the exact kernel wrote one
    if grids and vis.shape == dem.shape:  # the window is the whole grid: hand the kernel's arrays over, no copies
        visible = vis.view(bool)
        mvh_full = mvh if heights else None
    elif grids:
        visible = np.zeros(dem.shape, bool)
        visible[ra:rb, ca:cb] = vis.view(bool)
        if heights:
            mvh_full = np.full(dem.shape, np.nan, np.float32)
            mvh_full[ra:rb, ca:cb] = mvh
    obs_lon, obs_lat = dem.cell_center_lonlat(row, col)
    obs_x, obs_y = geodesy.apply_affine(dem.transform, col + 0.5, row + 0.5)
    far = None
    if fr >= 0 and far_m > 0:
        flon, flat = dem.cell_center_lonlat(fr + ra, fc + ca)
        far = {"lat": float(flat), "lon": float(flon), "distance_m": float(far_m)}
    params = {
        "observer": {"lat": float(obs_lat), "lon": float(obs_lon), "row": int(row), "col": int(col),
                     "x": float(obs_x), "y": float(obs_y),
                     "ground_m": float(dem.elevation[row, col])},
        "observer_height_m": h0,
        "target_height_m": ht,
        "radius_m": radius,
        "curvature": bool(curvature),
        "refraction_k": k if curvature else None,
        "effective_radius_m": (constants.EARTH_RADIUS_M / (1.0 - k)) if curvature else None,
        "method": method,
        "heights": heights,
        "dem": {"resolution": dem.resolution, "note": dem.resolution_note, "sources": list(dem.sources),
                "cell_size_m": list(win.mean_cell_size_m), "crs": geodesy.crs_label(dem.crs)},
    }
    stats_ = {
        "visible_area_km2": vis_m2 / 1e6,
        "disc_area_km2": disc_m2 / 1e6,
        "visible_fraction": vis_m2 / disc_m2 if disc_m2 > 0 else 0.0,
        "farthest_visible": far,
        "void_cells_in_radius": int(n_void),
        "radius_clipped_by_dem": bool(clipped),
        "cells_walked": n_walked,
        "kernel_seconds": elapsed,
    }
    return ViewshedResult(visible, mvh_full, horizon, dem.transform, dem.crs, params, stats_)


def viewshed_count(
    dem: Dem,
    observers,
    *,
    observer_height: float = constants.OBSERVER_HEIGHT_M,
    target_height: float = constants.TARGET_HEIGHT_M,
    radius_m: float = constants.RADIUS_M,
    refraction: float = constants.REFRACTION_LIGHT,
    curvature: bool = True,
    coords: str = "latlon",
    n_chunks: int | None = None,
    method: str = "checked",
) -> np.ndarray:
    """Cumulative viewshed: int32 (rows, cols) count of observers that see each cell.

    ``observers`` is a sequence of (lat, lon) (or (x, y) with ``coords="dem"``);
    every observer runs one serial kernel on its own radius window, observers in
    parallel: ``method="checked"`` (default; the certified lockstep kernel,
    ``kernels/certify.py``: every observer's visibility equal to the exact R3
    viewshed) or ``"fast"`` (the lockstep kernel of :func:`viewshed`'s default,
    agreeing with exact on >= 99.8 % of cells, ~1.1-1.6x faster).
    The counts do not depend on the number of threads (integer sums of
    per-chunk planes). Other parameters as in :func:`viewshed`.
    """
    h0, ht, radius, k = _check_physics(observer_height, target_height, radius_m, refraction)
    checked = _many_observer_method(method)
    try:
        pts = np.asarray(observers, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"observers must be a sequence of (lat, lon) number pairs, got {observers!r:.80}"
                                    ) from None
    if len(pts) == 0:
        return np.zeros(dem.shape, np.int32)
    obs = _prepare_observers(dem, [_observer_cell(dem, a, b, coords) for a, b in pts], h0, radius)
    chunks = int(n_chunks or get_num_threads())
    planes = count_kernels.count_visible(
        dem.elevation, dem.void, *obs, ht, inverse_2reff(curvature, k), radius, *_kernel_settings(checked), chunks)
    return planes.sum(axis=0, dtype=np.int32)


def _many_observer_method(method) -> bool:
    """True for the certified lockstep kernel ("checked", R3's visibility), False for the fast one ("fast")."""
    if not isinstance(method, str) or method not in ("checked", "fast"):
        raise InvalidParameterError(f"method {method!r} must be checked or fast")
    return method == "checked"


def _kernel_settings(checked: bool) -> tuple:
    """The many-observer kernels' trailing settings: the certify mode, then the fast kernel's re-walk
    settings."""
    return (certify.VISIBILITY if checked else 0), constants.FAST_UNSURE_FRACTION, constants.FAST_WALK_WINDOW


def _prepare_observers(dem: Dem, cells, h0: float, radius: float):
    """Kernel arguments describing observers at cells [(row, col)]: grid axes, scales, cells, eyes, windows."""
    cells = np.asarray(cells, dtype=np.int64).reshape(-1, 2)
    half_r = np.empty(len(cells), np.int64)
    half_c = np.empty(len(cells), np.int64)
    for i, (r, c) in enumerate(cells):
        _, _, _, _, half_r[i], half_c[i], _ = _radius_window(dem, int(r), int(c), radius)
    z0 = dem.elevation[cells[:, 0], cells[:, 1]].astype(np.float64) + h0
    row_coord, col_coord, geographic, _ = geodesy.grid_axes(dem.transform, dem.crs, dem.shape, 0.0, 0.0)
    scales = np.ones(len(cells))
    if not geographic:
        scales = np.array([geodesy.grid_axes(dem.transform, dem.crs, (1, 1), float(r), float(c))[3] for r, c in cells])
    return (geographic, row_coord, col_coord, scales, constants.WGS84_A_M, constants.WGS84_E2,
            cells[:, 0].copy(), cells[:, 1].copy(), z0, half_r, half_c)


def visible_areas(
    dem: Dem,
    cells,
    *,
    observer_height: float = constants.OBSERVER_HEIGHT_M,
    target_height: float = constants.TARGET_HEIGHT_M,
    radius_m: float = constants.RADIUS_M,
    refraction: float = constants.REFRACTION_LIGHT,
    curvature: bool = True,
    method: str = "checked",
) -> np.ndarray:
    """Visible area (km^2) within ``radius_m`` from observers at grid cells [(row, col), ...].

    The many-observer form of ``viewshed(...).stats["visible_area_km2"]``, parallel over observers;
    ``method`` as in :func:`viewshed_count` ("checked": equal to exact; "fast": lockstep).
    """
    radius = check_radius_m("radius_m", radius_m)
    return visible_areas_by_radius(dem, cells, (radius,), observer_height=observer_height, target_height=target_height,
                                   refraction=refraction, curvature=curvature, method=method)[radius]


def visible_areas_by_radius(
    dem: Dem,
    cells,
    radii_m,
    *,
    observer_height: float = constants.OBSERVER_HEIGHT_M,
    target_height: float = constants.TARGET_HEIGHT_M,
    refraction: float = constants.REFRACTION_LIGHT,
    curvature: bool = True,
    method: str = "checked",
) -> dict:
    """{radius_m: visible area (km^2) per observer within it} from one viewshed per observer, run to the
    largest radius. "checked": equal to separate runs (exact visibility does not depend on the radius that
    clips it); "fast": its rays go to the window's edge, so a smaller radius' area differs slightly from its
    own run's (0.1 % on the tests' fractal terrain). Other parameters as in :func:`visible_areas`.
    """
    radii = sorted({check_radius_m("radius_m", r) for r in radii_m})
    if not radii:
        raise InvalidParameterError("radii_m is empty")
    h0, ht, radius, k = _check_physics(observer_height, target_height, radii[-1], refraction)
    checked = _many_observer_method(method)
    cells = np.asarray(cells, dtype=np.int64).reshape(-1, 2)
    if len(cells) == 0:
        return {r: np.zeros(0) for r in radii}
    if dem.void[cells[:, 0], cells[:, 1]].any():
        raise InvalidParameterError("an observer stands on a void (nodata) cell")
    obs = _prepare_observers(dem, cells, h0, radius)
    area = count_kernels.visible_area(
        dem.elevation, dem.void, *obs, dem.cell_dx_m * dem.cell_dy_m, ht, inverse_2reff(curvature, k),
        np.array(radii, np.float64), *_kernel_settings(checked))
    return {r: area[:, j] / 1e6 for j, r in enumerate(radii)}
