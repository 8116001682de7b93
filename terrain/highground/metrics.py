"""Per-site metrics: terrain position, visibility, radio reach and jamming resistance.

Every function takes the study DEM and a list of sites and returns plain
arrays (one value per site), so the same code measures the target, the
sample and the named towns.
"""

from __future__ import annotations

import math

import numpy as np

from .. import constants as C
from .. import geodesy
from ..kernels import neighbourhood
from ..radio import coverage, fresnel_clear_area
from ..viewshed import viewshed, visible_areas_by_radius


def site_cells(dem, sites) -> np.ndarray:
    """(n, 2) grid cells of the sites."""
    return np.array([dem.index(s.lat, s.lon) for s in sites], dtype=np.int64).reshape(-1, 2)


def disc_offsets(dem, row: int, radius_m: float):
    """Cell offsets (dr, dc) of a disc of radius_m, using the cell size of ``row``."""
    dx, dy = float(dem.cell_dx_m[row]), float(dem.cell_dy_m[row])
    nr, nc = int(radius_m // dy), int(radius_m // dx)
    rr, cc = np.mgrid[-nr : nr + 1, -nc : nc + 1]
    keep = (rr * dy) ** 2 + (cc * dx) ** 2 <= radius_m**2
    return rr[keep].astype(np.int64), cc[keep].astype(np.int64)


class Neighbourhood:
    """Disc mean and disc minimum elevation (m) around cells, computed for the cells asked for.

    Every disc uses the cell size of ``centre_row`` (the study site's row), so all sites share one
    set of offsets; results are kept per (radius, cells).
    """

    def __init__(self, dem, centre_row: int):
        self.dem = dem
        self.centre_row = int(centre_row)
        self._done = {}

    def stats(self, cells, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
        """(mean, minimum) elevation (m, float64 per cell) within radius_m of each of the (n, 2) cells."""
        cells = np.ascontiguousarray(cells, dtype=np.int64).reshape(-1, 2)
        key = (float(radius_m), cells.tobytes())
        if key not in self._done:
            off_r, off_c = disc_offsets(self.dem, self.centre_row, radius_m)
            mean = np.empty(len(cells), np.float64)
            low = np.empty(len(cells), np.float64)
            neighbourhood.disc_stats(self.dem.elevation, self.dem.void, off_r, off_c, cells[:, 0].copy(),
                                     cells[:, 1].copy(), mean, low)
            self._done[key] = (mean, low)
        return self._done[key]


def local_high_point(dem, row: int, col: int, radius_m: float) -> tuple[int, int]:
    """The highest valid cell within radius_m of (row, col)."""
    off_r, off_c = disc_offsets(dem, row, radius_m)
    rr = np.clip(row + off_r, 0, dem.shape[0] - 1)
    cc = np.clip(col + off_c, 0, dem.shape[1] - 1)
    z = np.where(dem.void[rr, cc], -np.inf, dem.elevation[rr, cc])
    i = int(np.argmax(z))
    return int(rr[i]), int(cc[i])


def tpi(dem, cells, nbhd: Neighbourhood, radius_m: float) -> np.ndarray:
    """Topographic position index (m) of the cells: elevation minus the mean within radius_m."""
    mean, _ = nbhd.stats(cells, radius_m)
    return dem.elevation[cells[:, 0], cells[:, 1]] - mean


def terrain_metrics(dem, cells, nbhd, tpi_radii, relief_radius, prom, high_radius) -> dict:
    """Elevation, TPI at every scale, relative relief, and prominence of the local high point."""
    r, c = cells[:, 0], cells[:, 1]
    out = {"elevation_m": dem.elevation[r, c].astype(float)}
    for radius in tpi_radii:
        out[f"tpi_{radius / 1000:g}km_m"] = tpi(dem, cells, nbhd, radius)
    _, low = nbhd.stats(cells, relief_radius)
    out[f"relief_{relief_radius / 1000:g}km_m"] = dem.elevation[r, c] - low
    highs = np.array([local_high_point(dem, int(a), int(b), high_radius) for a, b in cells])
    out[f"high_point_{high_radius / 1000:g}km_elevation_m"] = dem.elevation[highs[:, 0], highs[:, 1]].astype(float)
    out[f"high_point_{high_radius / 1000:g}km_prominence_m"] = prom[highs[:, 0], highs[:, 1]].astype(float)
    return out


def visibility_metrics(dem, cells, heights_m, radii_m, target_m, refraction) -> dict:
    """Visible area (km^2) within each radius for each observer height: one viewshed per site and height, to
    the largest radius (method constants.STUDY_VIEW_METHOD, all sites at once)."""
    out = {}
    for h in heights_m:
        areas = visible_areas_by_radius(dem, cells, radii_m, observer_height=h, target_height=target_m,
                                        refraction=refraction, method=C.STUDY_VIEW_METHOD)
        for radius in radii_m:
            out[f"viewshed_{h:g}m_{radius / 1000:g}km_km2"] = areas[float(radius)]
    return out


def cells_across(dem, length_m: float) -> int:
    """``length_m`` in whole cells of the DEM's mean cell size (rounded: 0 or 1 where cells are as large)."""
    return int(round(length_m / float(np.mean(dem.mean_cell_size_m))))


def radio_path_dem(dem):
    """The DEM the per-cell path-loss maps (jamming) run on: ``dem`` itself, or on data finer than about
    constants.STUDY_PATH_CELL_M, ``dem`` block-averaged to about that cell size.

    Those metrics walk a whole profile for every cell (cost ~ radius^3 / cell^3: 160 s for one 30 km map on
    1" data); line of sight stays at the DEM's own resolution.
    """
    factor = cells_across(dem, C.STUDY_PATH_CELL_M)
    return coarsen(dem, factor) if factor >= 2 else dem


def fresnel_stride(dem) -> int:
    """Lattice stride (cells) of the study's Fresnel-clear estimate: about constants.STUDY_FRESNEL_LATTICE_M."""
    return max(1, cells_across(dem, C.STUDY_FRESNEL_LATTICE_M))


def radio_metrics(dem, sites, drone_heights_m, *, tx_height, radius_m, k_factor, fresnel, freq_mhz, progress=None,
                  path_dem=None):
    """Per site and drone height: LOS area, Fresnel-clear area (km^2) and median per-azimuth LOS range (km).

    On ``path_dem`` = ``dem`` (default) both from terrain.coverage; else (fine data) LOS on ``dem`` and the
    Fresnel-clear area from a lattice of every ``fresnel_stride(dem)``-th cell, each walked on ``dem``.
    """
    path_dem = dem if path_dem is None else path_dem
    keys = []
    for h in drone_heights_m:
        keys += [f"radio_los_{h:g}m_km2", f"radio_fresnel_{h:g}m_km2", f"radio_median_range_{h:g}m_km"]
    out = {k: np.empty(len(sites)) for k in keys}
    for i, s in enumerate(sites):
        if path_dem is not dem:  # one walk of each lattice path for every drone height
            lattice = fresnel_clear_area(dem, s.lat, s.lon, tx_height=tx_height, rx_height=list(drone_heights_m),
                                         radius_m=radius_m, k_factor=k_factor, fresnel=fresnel, freq_mhz=freq_mhz,
                                         stride=fresnel_stride(dem))["area_km2"]
        for j, h in enumerate(drone_heights_m):
            kw = dict(tx_height=tx_height, rx_height=h, radius_m=radius_m, k_factor=k_factor, fresnel=fresnel,
                      freq_mhz=freq_mhz)
            if path_dem is dem:
                res = coverage(dem, s.lat, s.lon, **kw)
                los_km2, median_m = res.stats["los_area_km2"], res.stats["median_los_range_m"]
                fres_km2 = res.stats["fresnel_clear_area_km2"]
            else:  # LOS alone on the fine DEM, as coverage computes it, without its DEM-sized grids
                los = viewshed(dem, s.lat, s.lon, observer_height=tx_height, target_height=h, radius_m=radius_m,
                               refraction=1.0 - 1.0 / k_factor, grids=False)
                los_km2, median_m = los.stats["visible_area_km2"], float(np.median(los.horizon_m))
                fres_km2 = lattice[j]
            out[f"radio_los_{h:g}m_km2"][i] = los_km2
            out[f"radio_fresnel_{h:g}m_km2"][i] = fres_km2
            out[f"radio_median_range_{h:g}m_km"][i] = median_m / 1000
        if progress:
            progress(1)
    return out


def jamming_metrics(dem, sites, *, ring_m, n_jammers, drone_height, radius_m, control, jammer, drone_eirp_dbm,
                    processing_gain_db, freq_mhz, k_factor, margin_db, progress=None) -> dict:
    """Per control site, over a ring of jammers (``n_jammers`` equally spaced at ``ring_m``, each taken alone):

    * ``jam_uplink_area_{h}m_km2``: mean area (km^2) within radius_m where the drone (h m up) keeps
      S/J >= margin (jammer -> drone);
    * ``jam_downlink_area_{h}m_km2``: the same for the station receiving the drone's video (jammer -> station);
    * ``jam_both_area_{h}m_km2``: where both directions hold;
    * ``jam_at_station_dbm``: mean jamming power the station receives (dBm, mean of the powers in mW).

    ``control``/``jammer`` are (height_m, eirp_dbm); the processing gain adds to S/J both ways.
    """
    from ..jamming import jamming_at_station_dbm

    h = f"{drone_height:g}m"
    up_key, down_key, both_key = (f"jam_{d}_area_{h}_km2" for d in ("uplink", "downlink", "both"))
    out = {k: np.empty(len(sites)) for k in (up_key, down_key, both_key, "jam_at_station_dbm")}
    cell_area = (dem.cell_dx_m * dem.cell_dy_m)[:, None] / 1e6
    for i, s in enumerate(sites):
        sig = coverage(dem, s.lat, s.lon, tx_height=control[0], eirp_dbm=control[1], rx_height=drone_height,
                       radius_m=radius_m, freq_mhz=freq_mhz, k_factor=k_factor)
        inside = ~np.isnan(sig.rx_power_dbm)
        down_signal = drone_eirp_dbm - sig.path_loss_db.astype(np.float64)  # drone -> station, reciprocal path
        up_a, down_a, both_a, station_mw = [], [], [], []
        for j in range(n_jammers):
            jlat, jlon = geodesy.destination(s.lat, s.lon, 360.0 * j / n_jammers, ring_m)
            jam = coverage(dem, jlat, jlon, tx_height=jammer[0], eirp_dbm=jammer[1], rx_height=drone_height,
                           radius_m=ring_m + radius_m, freq_mhz=freq_mhz, k_factor=k_factor)
            j_station = jamming_at_station_dbm(dem, (s.lat, s.lon), control[0], [(jlat, jlon, *jammer)],
                                               freq_mhz=freq_mhz, k_factor=k_factor)
            with np.errstate(invalid="ignore"):
                up = inside & ((sig.rx_power_dbm - np.nan_to_num(jam.rx_power_dbm, nan=-math.inf)
                                + processing_gain_db) >= margin_db)
                down = inside & ((down_signal - j_station + processing_gain_db) >= margin_db)
            up_a.append(float((cell_area * up).sum()))
            down_a.append(float((cell_area * down).sum()))
            both_a.append(float((cell_area * (up & down)).sum()))
            station_mw.append(10 ** (j_station / 10))
        out[up_key][i] = np.mean(up_a)
        out[down_key][i] = np.mean(down_a)
        out[both_key][i] = np.mean(both_a)
        out["jam_at_station_dbm"][i] = 10 * math.log10(np.mean(station_mw))
        if progress:
            progress(1)
    return out


def sample_high_points(dem, cells, radius_m: float) -> np.ndarray:
    """(n, 2) cells: each site's own highest cell within radius_m (the like-for-like partner of a town's high point)."""
    return np.array([local_high_point(dem, int(a), int(b), radius_m) for a, b in cells], dtype=np.int64).reshape(-1, 2)


def coarsen(dem, factor: int):
    """Block-average the DEM by an integer factor (voids stay void if the whole block is void)."""
    from affine import Affine

    from ..elevation import Dem

    rows, cols = (dem.shape[0] // factor) * factor, (dem.shape[1] // factor) * factor
    z = dem.elevation[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(z.astype(np.float64), axis=(1, 3)) if np.isnan(z).any() else z.mean(axis=(1, 3))
    t = dem.transform
    transform = Affine(t.a * factor, t.b, t.c, t.d, t.e * factor, t.f)
    arcsec = dem.arcsec * factor if dem.arcsec else None
    label = f'{dem.resolution} coarsened x{factor}' + (f' ({arcsec:g}")' if arcsec else "")
    return Dem.from_array(mean, transform, dem.crs, resolution=label)


def correlated_noise(shape, sigma_m: float, corr_cells: float, rng) -> np.ndarray:
    """Gaussian random field with RMSE sigma_m and a Gaussian correlation length of corr_cells (spectral method)."""
    white = rng.standard_normal(shape)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    filt = np.exp(-2 * (np.pi * corr_cells) ** 2 * (fx**2 + fy**2))
    field = np.fft.irfft2(np.fft.rfft2(white) * filt, s=shape)
    field *= sigma_m / field.std()
    return field.astype(np.float32)

