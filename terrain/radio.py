"""Radio: point-to-point profiles, LOS/Fresnel coverage, path loss and jamming margin.

Propagation model (stated in every result): free-space loss over the slant
distance plus terrain diffraction by the complete delta-Bullington method
(ITU-R P.526-15 section 4.5: the Bullington edge with its (1 - exp(-L_uc/6))
(10 + 0.02 d) correction, plus the spherical-earth term; kernels/diffraction.py),
with an effective earth radius K R (default K = 4/3). Land ground constants,
vertical polarisation. Antennas are isotropic beyond the given EIRP and
receiver gain; no clutter, troposcatter, ducting or fading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import constants, geodesy
from .elevation import Dem, check_lat_lon, load_dem
from .errors import InvalidParameterError
from .kernels import radio as rk
from .kernels import stats
from .kernels.diffraction import delta_bullington
from .viewshed import check_finite, check_radius_m, observer_window
from .viewshed import viewshed as _viewshed

MODEL = ("free-space loss (slant distance) + delta-Bullington diffraction, ITU-R P.526-15 4.5 (Bullington edge "
         "with the (1 - exp(-L_uc/6))(10 + 0.02 d_km) correction, plus the spherical-earth term; land, vertical "
         "polarisation); effective earth radius K*R; no clutter, troposcatter or fading")


def wavelength_m(freq_mhz: float) -> float:
    """lambda = c / f (m) for f in MHz."""
    return constants.SPEED_OF_LIGHT_M_S / (freq_mhz * 1e6)


def smooth_earth_horizon_m(h1_m: float, h2_m: float, k_factor: float = constants.K_FACTOR_RADIO) -> float:
    """Radio horizon over a smooth earth: sqrt(2 K R h1) + sqrt(2 K R h2) (m)."""
    r_eff = k_factor * constants.EARTH_RADIUS_M
    return math.sqrt(2 * r_eff * h1_m) + math.sqrt(2 * r_eff * h2_m)


def _check_radio(freq_mhz, k_factor, **heights):
    lo, hi = constants.FREQ_RANGE_MHZ
    f = check_finite("freq_mhz", freq_mhz)
    if not lo <= f <= hi:
        raise InvalidParameterError(f"freq_mhz {freq_mhz!r} is outside {lo:g}-{hi:g} MHz (1 MHz to 100 GHz);"
                                    " the frequency is in MHz: 2.4 GHz is 2400")
    k = check_finite("k_factor", k_factor, minimum=0.1, maximum=1e9)  # huge K ~ flat earth
    hs = {name: check_height(name, v) for name, v in heights.items()}
    return f, k, hs


def check_height(name: str, value) -> float:
    """A height above ground (m) in [0, MAX_HEIGHT_M], else InvalidParameterError."""
    return check_finite(name, value, minimum=0, maximum=constants.MAX_HEIGHT_M)


def check_power(name: str, value, limits=constants.POWER_RANGE_DB) -> float:
    """A power, gain or margin in dB/dBm/dBi within ``limits``, else InvalidParameterError."""
    return check_finite(name, value, minimum=limits[0], maximum=limits[1])


def check_fresnel(value) -> float:
    """The Fresnel-zone fraction that must be clear, 0 < f <= 1."""
    f = check_finite("fresnel", value, minimum=0, maximum=1)
    if f <= 0:
        raise InvalidParameterError(f"fresnel {value!r} must be > 0 and <= 1 (0.6 = 60 % of the first Fresnel zone)")
    return f


# --- point to point -----------------------------------------------------------------------------

@dataclass
class Profile:
    """Terrain and radio geometry along the geodesic between two antennas (all metres)."""

    distance_m: np.ndarray  # from end 1
    terrain_m: np.ndarray  # elevation a.s.l. (NaN at voids)
    bulge_m: np.ndarray  # earth bulge d1 d2 / (2 K R) above the chord
    ray_m: np.ndarray  # straight ray, in the same (bulged-terrain) frame
    fresnel_m: np.ndarray  # first Fresnel zone radius
    clearance_m: np.ndarray  # ray - (terrain + bulge)
    lat: np.ndarray
    lon: np.ndarray
    summary: dict = field(default_factory=dict)


def profile(dem: Dem | None, lat1, lon1, lat2, lon2, *, height1: float = constants.TX_HEIGHT_M,
            height2: float = constants.TX_HEIGHT_M, freq_mhz: float = constants.FREQ_MHZ,
            k_factor: float = constants.K_FACTOR_RADIO, fresnel: float = constants.FRESNEL_CLEARANCE,
            spacing_m: float | None = None) -> Profile:
    """Terrain, earth bulge, ray and Fresnel zone along the WGS84 geodesic from end 1 to end 2.

    Parameters
    ----------
    height1, height2 : antenna heights above ground (m).
    freq_mhz : link frequency (MHz), default 2400.
    k_factor : effective-earth-radius factor K (default 4/3).
    fresnel : fraction of the first Fresnel zone that must be clear (default 0.6).
    spacing_m : sample spacing (m) along the geodesic (bilinear terrain). Default: where the line
        crosses each row and column of cell centres, as the coverage kernel samples, so a one-cell
        ridge is met at its own height.

    Returns
    -------
    Profile, with ``summary``: distance, bearings, min clearance (m and % of F1) and where,
    obstruction points, free-space and Bullington diffraction loss.
    """
    lat1, lon1 = check_lat_lon(lat1, lon1)
    lat2, lon2 = check_lat_lon(lat2, lon2)
    f, k, hs = _check_radio(freq_mhz, k_factor, height1=height1, height2=height2)
    fresnel = check_fresnel(fresnel)
    if spacing_m is not None:
        spacing_m = check_finite("spacing_m", spacing_m, minimum=0.01)
    dist, az12 = geodesy.distance_azimuth(lat1, lon1, lat2, lon2)
    dist, az12 = float(dist), float(az12)
    if dist <= 0:
        raise InvalidParameterError("the two ends of the profile coincide")
    if dem is None:
        mid_lat, mid_lon = geodesy.destination(lat1, lon1, az12, dist / 2)
        dem = load_dem(mid_lat, mid_lon, dist / 2 + 1000)
    for la, lo in ((lat1, lon1), (lat2, lon2)):
        dem.index(la, lo)  # both ends must lie on the DEM (InvalidParameterError otherwise)
    if spacing_m is None:
        d, z, lats, lons = _grid_line_samples(dem, lat1, lon1, lat2, lon2)
    else:
        d, z, lats, lons = _spaced_samples(dem, lat1, lon1, lat2, lon2, dist, spacing_m)
    n = len(d) - 1
    for i, (la, lo) in ((0, (lat1, lon1)), (-1, (lat2, lon2))):
        if np.isnan(z[i]):  # next to a void the interpolated sample is NaN: the end's own post decides
            z[i] = dem.elevation_at(la, lo)  # MissingElevationError if the end itself is void
    r_eff = k * constants.EARTH_RADIUS_M
    bulge = d * (dist - d) / (2 * r_eff)
    h1 = z[0] + hs["height1"]
    h2 = z[-1] + hs["height2"]
    ray = h1 + (h2 - h1) * d / dist
    lam = wavelength_m(f)
    f1 = rk.fresnel_radius_m(d, dist - d, lam)
    clearance = ray - (z + bulge)
    inner_idx = np.arange(1, n)
    valid = inner_idx[~np.isnan(clearance[inner_idx]) & (d[inner_idx] > 0) & (d[inner_idx] < dist)]
    ratio = clearance[valid] / f1[valid]
    i_min = valid[np.argmin(ratio)] if len(valid) else 0
    obstructed = valid[clearance[valid] < 0]
    keep = np.concatenate(([0], valid, [n]))  # void samples are left out of the diffraction profile
    diff, l_ba, nu = delta_bullington(d[keep], z[keep], len(keep), h1, h2, 1.0 / (2.0 * r_eff), lam)
    slant = math.hypot(dist, h2 - h1)
    fspl = float(rk.free_space_loss_db(slant, lam))
    _, az21 = geodesy.distance_azimuth(lat2, lon2, lat1, lon1)
    summary = {
        "end1": {"lat": lat1, "lon": lon1, "ground_m": float(z[0]), "antenna_height_m": hs["height1"]},
        "end2": {"lat": lat2, "lon": lon2, "ground_m": float(z[-1]), "antenna_height_m": hs["height2"]},
        "distance_m": dist, "bearing_deg": az12, "back_bearing_deg": float(az21),
        "freq_mhz": f, "wavelength_m": lam, "k_factor": k, "fresnel_fraction": fresnel,
        "line_of_sight": bool(len(obstructed) == 0),
        "fresnel_clear": bool(len(valid) == 0 or ratio.min() >= fresnel),
        "min_clearance_m": float(clearance[i_min]) if len(valid) else None,
        "min_clearance_pct_f1": float(100 * clearance[i_min] / f1[i_min]) if len(valid) else None,
        "min_clearance_at": {"distance_m": float(d[i_min]), "lat": float(lats[i_min]), "lon": float(lons[i_min])},
        "obstructions": [{"distance_m": float(d[i]), "lat": float(lats[i]), "lon": float(lons[i]),
                          "terrain_m": float(z[i]), "above_ray_m": float(-clearance[i])} for i in obstructed],
        "void_samples": int(np.isnan(z).sum()),
        "free_space_loss_db": fspl, "bullington_nu": float(nu) if np.isfinite(nu) else None,
        "diffraction_loss_db": float(diff), "bullington_actual_profile_db": float(l_ba),
        "path_loss_db": fspl + float(diff), "model": MODEL,
        "dem": {"resolution": dem.resolution, "note": dem.resolution_note, "sources": list(dem.sources)},
        "samples": int(n + 1), "spacing_m": dist / n,
    }
    return Profile(d, z, bulge, ray, f1, clearance, lats, lons, summary)


def _grid_fraction(dem: Dem, lat, lon):
    """Fractional (row, col) of WGS84 points, cell centres at integers."""
    x, y = dem.to_dem_xy(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    col, row = geodesy.apply_affine(~dem.transform, np.asarray(x), np.asarray(y))
    return row - 0.5, col - 0.5


def _grid_line_samples(dem: Dem, lat1, lon1, lat2, lon2):
    """Terrain where the straight grid-space line between the ends crosses each row and column of cell
    centres, linear between the two cells either side, as the coverage kernel samples its sight lines
    (a one-cell ridge is met at its own height). Returns (distance m, terrain m, lat, lon)."""
    (ra, rb), (ca, cb) = _grid_fraction(dem, [lat1, lat2], [lon1, lon2])
    ts = [np.array([0.0, 1.0])]
    for a, b in ((ra, rb), (ca, cb)):
        if b != a:
            lines = np.arange(math.ceil(min(a, b)), math.floor(max(a, b)) + 1)
            ts.append((lines - a) / (b - a))
    t = np.unique(np.clip(np.concatenate(ts), 0.0, 1.0))
    row, col = ra + t * (rb - ra), ca + t * (cb - ca)
    z = _interpolated(dem, row, col)
    lon, lat = dem.cell_center_lonlat(row, col)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    lon[0], lat[0], lon[-1], lat[-1] = lon1, lat1, lon2, lat2
    _, _, dd = geodesy.GEOD.inv(np.full(lon.shape, lon1), np.full(lat.shape, lat1), lon, lat)
    return np.maximum.accumulate(np.asarray(dd, dtype=float)), z, lat, lon


def _interpolated(dem: Dem, row, col):
    """Terrain (m) at fractional (row, col): linear along a grid line where the point lies on one, else bilinear;
    NaN where a cell used is void or off the grid."""
    rows, cols = dem.shape
    e = np.where(dem.void, np.nan, dem.elevation).astype(np.float64)
    r0 = np.floor(row + 1e-9).astype(int)
    c0 = np.floor(col + 1e-9).astype(int)
    wr = np.where(np.abs(row - np.round(row)) < 1e-9, 0.0, row - r0)
    wc = np.where(np.abs(col - np.round(col)) < 1e-9, 0.0, col - c0)
    r0 = np.where(wr == 0.0, np.round(row).astype(int), r0)
    c0 = np.where(wc == 0.0, np.round(col).astype(int), c0)
    r1 = np.where(wr > 0, r0 + 1, r0)
    c1 = np.where(wc > 0, c0 + 1, c0)
    ok = (r0 >= 0) & (c0 >= 0) & (r1 < rows) & (c1 < cols)
    r0, r1, c0, c1 = (np.clip(a, 0, lim - 1) for a, lim in ((r0, rows), (r1, rows), (c0, cols), (c1, cols)))
    z = (e[r0, c0] * (1 - wr) * (1 - wc) + e[r1, c0] * wr * (1 - wc)
         + e[r0, c1] * (1 - wr) * wc + e[r1, c1] * wr * wc)
    return np.where(ok, z, np.nan)


def _spaced_samples(dem: Dem, lat1, lon1, lat2, lon2, dist, spacing_m):
    """Terrain (bilinear) at points spaced spacing_m along the WGS84 geodesic."""
    n = max(int(math.ceil(dist / spacing_m)), 2)
    inner = geodesy.GEOD.npts(lon1, lat1, lon2, lat2, n - 1)
    lons = np.array([lon1] + [p[0] for p in inner] + [lon2])
    lats = np.array([lat1] + [p[1] for p in inner] + [lat2])
    row, col = _grid_fraction(dem, lats, lons)
    return np.linspace(0.0, dist, n + 1), _interpolated(dem, row, col), lats, lons


# --- area coverage ------------------------------------------------------------------------------

@dataclass
class CoverageResult:
    """Radio coverage of one transmitter, aligned with its DEM.

    los : bool, radio line of sight to a receiver ``rx_height`` above ground.
    fresnel_clear : bool, the given fraction of the first Fresnel zone is also clear.
    path_loss_db : float32, free-space + Bullington diffraction loss (NaN outside the radius).
    rx_power_dbm : float32, EIRP - path loss + receiver gain.
    horizon_m : float64 (360,), farthest LOS distance per 1-degree azimuth.
    """

    los: np.ndarray
    fresnel_clear: np.ndarray
    path_loss_db: np.ndarray
    rx_power_dbm: np.ndarray
    horizon_m: np.ndarray
    transform: object
    crs: object
    params: dict
    stats: dict

    def summary(self) -> dict:
        return {**self.params, **self.stats}


def coverage(dem: Dem | None, lat: float, lon: float, *, tx_height: float = constants.TX_HEIGHT_M,
             rx_height: float = constants.RX_HEIGHT_M, freq_mhz: float = constants.FREQ_MHZ,
             radius_m: float = constants.RADIO_RADIUS_M, k_factor: float = constants.K_FACTOR_RADIO,
             fresnel: float = constants.FRESNEL_CLEARANCE, eirp_dbm: float = constants.EIRP_DBM,
             rx_gain_dbi: float = constants.RX_GAIN_DBI, coords: str = "latlon",
             path_metrics: bool = True) -> CoverageResult:
    """Where a receiver ``rx_height`` m above ground has radio line of sight to a transmitter at (lat, lon).

    LOS reuses the viewshed kernel (eye = tx, target = rx, refraction k = 1 - 1/K);
    Fresnel clearance and diffraction walk the same sight lines (kernels/radio.py), one O(n)
    walk per cell; ``path_metrics=False`` skips them (LOS only, like SPLAT!'s ``-c``: then
    ``fresnel_clear`` is all False and path loss / power are NaN).
    See :data:`MODEL` for the propagation model. Units: heights m, freq MHz, radius m, dBm/dBi.
    """
    f, k, hs = _check_radio(freq_mhz, k_factor, tx_height=tx_height, rx_height=rx_height)
    fr = check_fresnel(fresnel)
    eirp = check_power("eirp_dbm", eirp_dbm)
    gain = check_power("rx_gain_dbi", rx_gain_dbi)
    radius = check_radius_m("radius_m", radius_m, positive=True)
    if dem is None:
        lat, lon = check_lat_lon(lat, lon)
        dem = load_dem(lat, lon, radius)
    refraction = 1.0 - 1.0 / k
    vs = _viewshed(dem, lat, lon, observer_height=hs["tx_height"], target_height=hs["rx_height"], radius_m=radius,
                   refraction=refraction, coords=coords)
    lam = wavelength_m(f)
    if path_metrics:
        fres, path_loss, fres_m2, fres_far = _path_metrics_map(dem, lat, lon, coords, radius, hs, lam, k, fr, vs.visible)
    else:
        fres = np.zeros(dem.shape, bool)
        path_loss = np.full(dem.shape, np.nan, np.float32)
        fres_m2, fres_far = float("nan"), float("nan")
    rx_power = (eirp - path_loss + gain).astype(np.float32)
    horizon_se = smooth_earth_horizon_m(hs["tx_height"], hs["rx_height"], k)
    params = {
        "transmitter": vs.params["observer"], "tx_height_m": hs["tx_height"], "rx_height_m": hs["rx_height"],
        "freq_mhz": f, "wavelength_m": lam, "k_factor": k, "refraction_k": refraction, "fresnel_fraction": fr,
        "radius_m": radius, "eirp_dbm": eirp, "rx_gain_dbi": gain, "model": MODEL, "dem": vs.params["dem"],
    }
    st = {
        "los_area_km2": vs.stats["visible_area_km2"], "disc_area_km2": vs.stats["disc_area_km2"],
        "los_fraction": vs.stats["visible_fraction"], "fresnel_clear_area_km2": fres_m2 / 1e6,
        "farthest_los_m": (vs.stats["farthest_visible"] or {}).get("distance_m", 0.0),
        "farthest_fresnel_clear_m": max(fres_far, 0.0) if path_metrics else float("nan"),
        "smooth_earth_radio_horizon_m": horizon_se,
        "median_los_range_m": float(np.median(vs.horizon_m)),
        "void_cells_in_radius": vs.stats["void_cells_in_radius"],
        "radius_clipped_by_dem": vs.stats["radius_clipped_by_dem"],
    }
    return CoverageResult(vs.visible, fres, path_loss, rx_power, vs.horizon_m, dem.transform, dem.crs, params, st)


def fresnel_clear_area(dem: Dem, lat: float, lon: float, *, tx_height: float = constants.TX_HEIGHT_M,
                       rx_height=constants.RX_HEIGHT_M, freq_mhz: float = constants.FREQ_MHZ,
                       radius_m: float = constants.RADIO_RADIUS_M, k_factor: float = constants.K_FACTOR_RADIO,
                       fresnel: float = constants.FRESNEL_CLEARANCE, stride: int = 1, coords: str = "latlon") -> dict:
    """``coverage(...).stats["fresnel_clear_area_km2"]`` estimated from a lattice of every ``stride``-th row and
    column through the transmitter, each lattice cell's path walked at the DEM's full resolution and
    standing for stride^2 cells (stride 1: every cell). For large radii on fine data, where the whole map
    costs one profile walk per cell. ``rx_height`` may be a sequence of heights (m): each path is sampled
    once for all. Returns {"area_km2" (float, or a list per height), "stride", "cells_walked"}.
    """
    heights = np.atleast_1d(np.asarray(rx_height, dtype=object))
    if heights.ndim != 1 or len(heights) == 0:
        raise InvalidParameterError(f"rx_height {rx_height!r} must be a height or a sequence of heights (m)")
    checked = [_check_radio(freq_mhz, k_factor, tx_height=tx_height, rx_height=h) for h in heights]
    f, k, hs = checked[0]
    fr = check_fresnel(fresnel)
    radius = check_radius_m("radius_m", radius_m, positive=True)
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise InvalidParameterError(f"stride {stride!r} must be an integer >= 1")
    w = observer_window(dem, lat, lon, coords, radius)
    frame = w.frame
    z0 = float(w.elev[w.r0, w.c0]) + hs["tx_height"]
    area, walked = rk.clear_area_on_lattice(
        w.elev, w.void, frame.row_y_m, frame.row_x_scale, frame.col_x, w.r0, w.c0, z0,
        np.array([c[2]["rx_height"] for c in checked], np.float64), 1.0 / (2.0 * k * constants.EARTH_RADIUS_M),
        radius, wavelength_m(f), fr, int(stride), w.win.cell_dx_m * w.win.cell_dy_m)
    km2 = [float(a) / 1e6 for a in area]
    return {"area_km2": km2 if np.ndim(rx_height) else km2[0], "stride": int(stride), "cells_walked": int(walked)}


def _path_metrics_map(dem, lat, lon, coords, radius, hs, lam, k, fresnel, los):
    """Fresnel-clear mask, path loss (dB) grid, Fresnel-clear area (m^2) and farthest Fresnel-clear distance (m)."""
    w = observer_window(dem, lat, lon, coords, radius)
    ra, rb, ca, cb, win, r0, c0 = w.ra, w.rb, w.ca, w.cb, w.win, w.r0, w.c0
    frame, elev, void = w.frame, w.elev, w.void
    ratio = np.empty(win.shape, np.float32)
    diffraction = np.empty(win.shape, np.float32)
    dist = np.empty(win.shape, np.float32)
    z0 = float(elev[r0, c0]) + hs["tx_height"]
    inv2r = 1.0 / (2.0 * k * constants.EARTH_RADIUS_M)
    rk.radio_map(elev, void, frame.row_y_m, frame.row_x_scale, frame.col_x, r0, c0, z0, hs["rx_height"], inv2r,
                 radius, lam, ratio, diffraction, dist)
    dz = (elev + hs["rx_height"]) - z0
    slant = np.sqrt(dist.astype(np.float64) ** 2 + dz**2)
    slant[slant < 1.0] = 1.0
    with np.errstate(invalid="ignore"):
        loss_w = rk.free_space_loss_db(slant, lam) + diffraction
    loss_w[np.isnan(dist)] = np.nan
    path_loss = np.full(dem.shape, np.nan, np.float32)
    path_loss[ra:rb, ca:cb] = loss_w
    fres = np.zeros(dem.shape, bool)
    fres[ra:rb, ca:cb] = np.nan_to_num(ratio, nan=-1.0) >= fresnel
    fres &= los
    hz = np.zeros(constants.HORIZON_BINS)
    fres_m2, _, _, _, _, fres_far = stats.summarize(
        fres[ra:rb, ca:cb].astype(np.uint8), void, frame.row_y_m, frame.row_x_scale, frame.col_x, frame.row_conv,
        win.cell_dx_m * win.cell_dy_m, radius, constants.HORIZON_BINS, hz)
    return fres, path_loss, fres_m2, fres_far
