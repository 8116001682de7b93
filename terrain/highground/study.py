"""Run the high-ground study: data, sites, metrics, statistics, sensitivity. No plotting or text here."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .. import constants as C
from ..elevation import load_dem
from ..errors import InvalidParameterError, MissingElevationError
from ..tiles import embedded_dem_dir
from ..viewshed import visible_areas
from . import metrics, sites, stats, uncertainty
from .verdict import verdicts


@dataclass
class StudyConfig:
    """Every parameter of the study (defaults in terrain.constants, STUDY_*)."""

    name: str = C.STUDY_SITE_NAME
    lat: float = C.STUDY_SITE[0]
    lon: float = C.STUDY_SITE[1]
    radius_m: float = C.STUDY_RADIUS_M
    exclude_m: float = C.STUDY_EXCLUDE_M
    town_radius_m: float = C.STUDY_TOWN_RADIUS_M
    samples: int = C.STUDY_SAMPLES
    seed: int = C.STUDY_SEED
    tpi_radii_m: tuple = C.STUDY_TPI_RADII_M
    relief_radius_m: float = C.STUDY_RELIEF_RADIUS_M
    lowland_tpi_radius_m: float = C.STUDY_LOWLAND_TPI_RADIUS_M
    observer_heights_m: tuple = C.STUDY_OBSERVER_HEIGHTS_M
    view_radii_m: tuple = C.STUDY_VIEW_RADII_M
    target_height_m: float = C.STUDY_TARGET_HEIGHT_M
    refraction: float = C.REFRACTION_LIGHT
    tx_height_m: float = C.STUDY_TX_HEIGHT_M
    drone_heights_m: tuple = C.STUDY_DRONE_HEIGHTS_M
    radio_radius_m: float = C.STUDY_RADIO_RADIUS_M
    k_factor: float = C.K_FACTOR_RADIO
    fresnel: float = C.FRESNEL_CLEARANCE
    freq_mhz: float = C.FREQ_MHZ
    jam_ring: tuple = C.STUDY_JAM_RING
    jam_drone_height_m: float = C.STUDY_JAM_DRONE_HEIGHT_M
    jam_control: tuple = C.STUDY_JAM_CONTROL
    jam_jammer: tuple = C.STUDY_JAM_JAMMER
    jam_radius_m: float = C.STUDY_JAM_RADIUS_M
    jam_sites: int = C.STUDY_JAM_SITES
    jam_drone_eirp_dbm: float = C.DRONE_EIRP_DBM
    jam_processing_gain_db: float = C.PROCESSING_GAIN_DB
    jam_sensitivity: dict = field(default_factory=lambda: dict(C.STUDY_JAM_SENSITIVITY))
    total_vis: tuple = C.STUDY_TOTAL_VIS
    dem_error: tuple = C.STUDY_DEM_ERROR
    dem_rmse_m: float | None = None  # None: the published error of the data in use (constants.DEM_VERTICAL_LE90_M)
    bootstrap: int = C.STUDY_BOOTSTRAP
    sensitivity_sites: int = 150
    towns: dict = field(default_factory=lambda: dict(sites.NAMED_TOWNS))
    dem_search: object = None
    quick: bool = False

    def __post_init__(self):
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or \
                not C.STUDY_MIN_SAMPLES <= self.samples <= 100_000:
            raise InvalidParameterError(f"samples {self.samples!r} must be an integer from {C.STUDY_MIN_SAMPLES} to "
                                        "100000: percentiles and confidence intervals need a real sample")

    @classmethod
    def quick_config(cls, **kw) -> StudyConfig:
        """Smaller sample, fewer jammers and Monte Carlo runs: for CI and a first look (< 1 min)."""
        base = dict(samples=120, jam_ring=(4, C.STUDY_JAM_RING[1]), jam_sites=25, sensitivity_sites=60,
                    dem_error=(C.STUDY_DEM_ERROR[0], 4, 40), bootstrap=500, quick=True,
                    jam_sensitivity={**C.STUDY_JAM_SENSITIVITY, "sites": 12, "jammers": 2})
        base.update(kw)
        return cls(**base)


def _reach_m(cfg: StudyConfig) -> float:
    """Radius (m) of DEM every analysis needs around the site."""
    return cfg.radius_m + max(max(cfg.view_radii_m), cfg.radio_radius_m, cfg.jam_ring[1] + cfg.jam_radius_m) + 2_000


def run_study(cfg: StudyConfig, progress=None) -> tuple[dict, dict]:
    """Run everything; returns (results, arrays): JSON-ready results and the grids the figures need.

    ``progress(stage, total)`` returns an object with ``update(n)`` and ``close()`` (tqdm-like), or None.
    """
    t_start = time.perf_counter()
    lap = _StageClock()
    dem = load_dem(cfg.lat, cfg.lon, _reach_m(cfg), search=cfg.dem_search)
    lowland_rule = (f"sample site with topographic position index at {cfg.lowland_tpi_radius_m / 1000:g} km < 0 "
                    f"(lower than the mean elevation within {cfg.lowland_tpi_radius_m / 1000:g} km)")
    target = sites.Site(cfg.name, cfg.lat, cfg.lon, "target")
    row0, col0 = dem.index(cfg.lat, cfg.lon)
    hr, hc = metrics.local_high_point(dem, row0, col0, cfg.town_radius_m)
    hlon, hlat = dem.cell_center_lonlat(hr, hc)
    target_high = sites.Site(f"{cfg.name} high point", float(hlat), float(hlon), "target")
    sample = sites.stratified_sample(dem, (cfg.lat, cfg.lon), cfg.radius_m, cfg.samples, cfg.seed, cfg.exclude_m)
    towns = [sites.Site(n, la, lo, "town") for n, (la, lo) in cfg.towns.items() if _on(dem, la, lo)]
    everyone = [target, target_high, *towns, *sample]
    cells = metrics.site_cells(dem, everyone)
    lap("data and sites")

    # --- 1. is it high? -------------------------------------------------------------------
    nbhd = metrics.Neighbourhood(dem, row0)
    from ..kernels.neighbourhood import prominence

    prom = prominence(dem.elevation, dem.void)
    values = metrics.terrain_metrics(dem, cells, nbhd, cfg.tpi_radii_m, cfg.relief_radius_m, prom,
                                     cfg.town_radius_m)
    lowland_key = f"tpi_{cfg.lowland_tpi_radius_m / 1000:g}km_m"
    if lowland_key not in values:
        values[lowland_key] = metrics.tpi(dem, cells, nbhd, cfg.lowland_tpi_radius_m)
    n_fixed = 2 + len(towns)
    is_lowland = values[lowland_key][n_fixed:] < 0
    lap("terrain metrics")

    # --- 2. does it see more? ------------------------------------------------------------------
    values.update(metrics.visibility_metrics(dem, cells, cfg.observer_heights_m, cfg.view_radii_m,
                                             cfg.target_height_m, cfg.refraction))
    lap("viewsheds")

    # --- 3. do signals travel further? ---------------------------------------------------------
    bar = progress("radio coverage", len(everyone)) if progress else None
    path_dem = metrics.radio_path_dem(dem)
    values.update(metrics.radio_metrics(dem, everyone, cfg.drone_heights_m, tx_height=cfg.tx_height_m,
                                        radius_m=cfg.radio_radius_m, k_factor=cfg.k_factor, fresnel=cfg.fresnel,
                                        freq_mhz=cfg.freq_mhz, progress=bar.update if bar else None,
                                        path_dem=path_dem))
    if bar:
        bar.close()
    lap("radio coverage")

    # --- 4. is it harder to jam? (uplink: jammer -> drone; downlink: jammer -> station) -----------------
    rng = np.random.default_rng(cfg.seed + 1)
    jam_idx = np.sort(rng.choice(len(sample), size=min(cfg.jam_sites, len(sample)), replace=False))
    jam_sites = [target, target_high, *towns] + [sample[i] for i in jam_idx]
    bar = progress("jamming", len(jam_sites)) if progress else None
    jam_vals = _jamming(path_dem, cfg, jam_sites, bar.update if bar else None)
    if bar:
        bar.close()
    for key, arr in jam_vals.items():
        values[key] = np.full(len(everyone), np.nan)
        values[key][:n_fixed] = arr[:n_fixed]
        values[key][n_fixed + jam_idx] = arr[n_fixed:]
    lap("jamming")

    # --- statistics ---------------------------------------------------------------------------------
    comparisons = {}
    for key, arr in values.items():
        arr = np.asarray(arr, dtype=np.float64)
        smp = arr[n_fixed:]
        comparisons[key] = {
            who.name: stats.compare(arr[i], smp, smp[is_lowland], seed=cfg.seed, n_boot=cfg.bootstrap)
            for i, who in enumerate(everyone[:n_fixed])
        }
        for who in comparisons[key].values():
            who["verdict"] = stats.verdict(who)

    # --- the town's high point against each sample site's own high point (like with like) ---------------
    high_cells = metrics.sample_high_points(dem, cells[n_fixed:], cfg.town_radius_m)
    high_points = [dict(zip(("lat", "lon"), _lat_lon(dem, r, c), strict=True)) for r, c in high_cells]
    high_values = metrics.terrain_metrics(dem, high_cells, nbhd, cfg.tpi_radii_m, cfg.relief_radius_m, prom,
                                          cfg.town_radius_m)
    if lowland_key not in high_values:
        high_values[lowland_key] = metrics.tpi(dem, high_cells, nbhd, cfg.lowland_tpi_radius_m)
    high_values.update(metrics.visibility_metrics(dem, high_cells, cfg.observer_heights_m, cfg.view_radii_m,
                                                  cfg.target_height_m, cfg.refraction))
    high_point_comparison = {
        key: stats.compare(float(values[key][1]), np.asarray(arr, float), np.asarray(arr, float)[is_lowland],
                           seed=cfg.seed, n_boot=cfg.bootstrap)
        for key, arr in high_values.items()}
    for c in high_point_comparison.values():
        c["verdict"] = stats.verdict(c)
    lap("statistics and high points")

    # --- sensitivity ----------------------------------------------------------------------------------
    sens_idx = np.sort(np.random.default_rng(cfg.seed + 2).choice(len(sample), min(cfg.sensitivity_sites,
                                                                                   len(sample)), replace=False))
    sens_sites = [target] + [sample[i] for i in sens_idx]
    sens_low = is_lowland[sens_idx]
    bar = progress("sensitivity", 6) if progress else None  # baseline, K x2, light k, two resolutions
    sensitivity = _sensitivity(dem, path_dem, cfg, sens_sites, sens_low, bar)
    if bar:
        bar.close()
    lap("sensitivity")
    bar = progress("DEM-error Monte Carlo", len(cfg.dem_error[0]) * cfg.dem_error[1]) if progress else None
    mc_idx = np.sort(np.random.default_rng(cfg.seed + 3).choice(len(sample), min(cfg.dem_error[2], len(sample)),
                                                                replace=False))
    monte_carlo = uncertainty.monte_carlo(dem, cfg, [target] + [sample[i] for i in mc_idx], _key_metrics,
                                          np.random.default_rng(cfg.seed + 4), bar)
    if bar:
        bar.close()
    lap("DEM-error Monte Carlo")

    # --- total visibility map ---------------------------------------------------------------------------
    sub = _study_window(dem, cfg)
    total, tv_method = _total_visibility(sub, cfg)
    tr, tc = sub.index(cfg.lat, cfg.lon)
    total_pct = stats.percentile_of(float(total[tr, tc]), total[np.isfinite(total)])
    lap("total visibility")

    results = {
        "title": f"Does {cfg.name} hold the high ground?" + (" (quick run)" if cfg.quick else ""),
        "quick": bool(cfg.quick),
        "provenance": _tool_provenance(),
        "config": _jsonable(asdict(cfg)),
        "data": {
            "resolution": dem.resolution, "note": dem.resolution_note, "sources": list(dem.sources),
            "cell_size_m": list(dem.mean_cell_size_m), "shape": list(dem.shape), "void_cells": dem.void_count,
            "path_metrics_resolution": path_dem.resolution,
            "path_metrics_cell_size_m": list(path_dem.mean_cell_size_m),
            "fresnel_lattice_stride": metrics.fresnel_stride(dem) if path_dem is not dem else 1,
            "provenance": _provenance(dem),
            "vertical_error": uncertainty.data_vertical_error(dem.resolution),
            "site_ground": _site_ground(dem, row0, col0, cfg),
        },
        "rules": {
            "sample": (f"{len(sample)} land points (valid elevation > 0 m), one per stratum of a square "
                       f"stratification of the disc of {cfg.radius_m / 1000:g} km around the site, seeded "
                       f"(seed {cfg.seed}), excluding {cfg.exclude_m / 1000:g} km around the site itself"),
            "lowland": lowland_rule,
            "town_high_point": f"highest DEM cell within {cfg.town_radius_m / 1000:g} km of the town centre",
            "viewshed_method": C.STUDY_VIEW_METHOD,
            "percentile": "mid-rank percentile of the value among the sample (0-100)",
            "ci": f"bootstrap over lowland sites, {cfg.bootstrap} resamples, 2.5 and 97.5 percentiles",
        },
        "sites": {
            "target": asdict(target), "target_high_point": asdict(target_high),
            "towns": [asdict(t) for t in towns], "n_sample": len(sample), "n_lowland": int(is_lowland.sum()),
            "sample": [{"lat": s.lat, "lon": s.lon, "lowland": bool(low)} for s, low in zip(sample, is_lowland, strict=True)],
        },
        "values": {k: {"fixed": {w.name: _num(v[i]) for i, w in enumerate(everyone[:n_fixed])},
                       "sample": [_num(x) for x in np.asarray(v)[n_fixed:]]} for k, v in values.items()},
        "comparisons": comparisons,
        "high_point_comparison": {"rule": (f"the site's highest cell within {cfg.town_radius_m / 1000:g} km against "
                                           f"each sample site's own highest cell within {cfg.town_radius_m / 1000:g} km"),
                                  "comparisons": high_point_comparison, "sample_high_points": high_points},
        "sensitivity": sensitivity,
        "monte_carlo": monte_carlo,
        "total_visibility": {"radius_m": cfg.total_vis[0], "observer_height_m": cfg.total_vis[1],
                             "target_height_m": cfg.total_vis[2], **tv_method,
                             "site_km2": _num(total[tr, tc]), "site_percentile_in_area": total_pct,
                             "area_median_km2": _num(np.nanmedian(total)), "area_max_km2": _num(np.nanmax(total))},
        "runtime_s": time.perf_counter() - t_start,
        "stage_times_s": lap.times,
    }
    results["verdict"] = verdicts(results, cfg)
    arrays = {"dem": dem, "path_dem": path_dem, "study_dem": sub, "total_visibility": total, "prominence": prom,
              "sample": sample, "is_lowland": is_lowland, "towns": towns, "target": target,
              "target_high": target_high}
    return results, arrays


class _StageClock:
    """``lap(name)`` records the wall time (s) since the previous lap under ``name``; ``times`` keeps them."""

    def __init__(self):
        self.times = {}
        self._t = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = now - self._t
        self._t = now


def _on(dem, lat, lon) -> bool:
    """The point lies on the DEM, on a valid (non-void) cell."""
    return dem.contains(lat, lon) and not dem.void[dem.index(lat, lon)]


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _jsonable(d):
    return {k: (list(v) if isinstance(v, tuple) else (str(v) if v is not None and k == "dem_search" else v))
            for k, v in d.items()}


def _provenance(dem) -> dict:
    embedded = str(embedded_dem_dir())
    kinds = ["embedded DTED Level 0 (NIMA/NGA, via airsoftnorge/DTED0-World; see dem/SOURCES.md)"
             if s.startswith(embedded) else s for s in dem.sources]
    return {"sources": sorted(set(kinds))}


def _study_window(dem, cfg):
    """The DEM cut to the study disc's bounding box (a view)."""
    from .. import geodesy

    south, west, north, east = geodesy.circle_bounds(cfg.lat, cfg.lon, cfg.radius_m)
    r_top, c_left = dem.index(min(north, dem.bounds[3] - 1e-9), max(west, dem.bounds[0] + 1e-9))
    r_bot, c_right = dem.index(max(south, dem.bounds[1] + 1e-9), min(east, dem.bounds[2] - 1e-9))
    return dem.window(r_top, r_bot + 1, c_left, c_right + 1)


def _total_visibility(sub, cfg) -> tuple[np.ndarray, dict]:
    """Visible area (km^2) from every cell of the study window, and how it was computed.

    Where the radius spans fewer than STUDY_TOTAL_SECTOR_MIN_CELLS cells (DTED0), every cell's own viewshed
    ("checked", equal to exact; the sector estimate needs more cells per radius). Finer data: the sector
    method on a lattice of every ``stride``-th cell (at most STUDY_TOTAL_MAX_OBSERVERS observers, anchored
    so that the site is on it); every other cell shows its nearest lattice cell's value.
    """
    from ..total import total_viewshed

    radius, h, t = cfg.total_vis
    kw = dict(observer_height=h, target_height=t, refraction=cfg.refraction)
    if radius / float(max(sub.mean_cell_size_m)) < C.STUDY_TOTAL_SECTOR_MIN_CELLS:
        return total_viewshed(sub, radius, method="checked", **kw), {"method": "checked", "stride": 1}
    stride = max(1, math.ceil(math.sqrt(sub.elevation.size / C.STUDY_TOTAL_MAX_OBSERVERS)))
    tr, tc = sub.index(cfg.lat, cfg.lon)
    r_first, c_first = tr % stride, tc % stride
    lattice = total_viewshed(sub.window(r_first, sub.shape[0], c_first, sub.shape[1]), radius,
                             method="sector", stride=stride, **kw)[::stride, ::stride]
    # every cell takes its nearest lattice cell
    near_r = np.clip(np.rint((np.arange(sub.shape[0]) - r_first) / stride), 0, lattice.shape[0] - 1).astype(int)
    near_c = np.clip(np.rint((np.arange(sub.shape[1]) - c_first) / stride), 0, lattice.shape[1] - 1).astype(int)
    total = lattice[near_r[:, None], near_c[None, :]]
    total[sub.void] = np.nan
    return total, {"method": "sector", "stride": stride,
                   "note": f"sector method on every {stride}th cell (row and column); every other cell shows "
                           "its nearest lattice cell's value"}


def _key_metrics(dem, cfg, site_list):
    """The headline metrics for sensitivity runs: viewshed 10 m / 20 km, radio LOS 100 m, TPI 10 km."""
    cells = metrics.site_cells(dem, site_list)
    h_view = 10.0 if 10.0 in cfg.observer_heights_m else cfg.observer_heights_m[0]
    r_view = max(cfg.view_radii_m)
    h_drone = 100.0 if 100.0 in cfg.drone_heights_m else cfg.drone_heights_m[0]
    out = {
        f"viewshed_{h_view:g}m_{r_view / 1000:g}km_km2": metrics.visibility_metrics(
            dem, cells, (h_view,), (r_view,), cfg.target_height_m, cfg.refraction)[
            f"viewshed_{h_view:g}m_{r_view / 1000:g}km_km2"],
        # radio LOS as terrain.coverage computes it (eye = station, target = drone, k = 1 - 1/K), all sites at once
        f"radio_los_{h_drone:g}m_km2": visible_areas(
            dem, cells, observer_height=cfg.tx_height_m, target_height=h_drone, radius_m=cfg.radio_radius_m,
            refraction=1.0 - 1.0 / cfg.k_factor, method=C.STUDY_VIEW_METHOD),
    }
    nbhd = metrics.Neighbourhood(dem, cells[0, 0])
    out[f"tpi_{cfg.lowland_tpi_radius_m / 1000:g}km_m"] = metrics.tpi(dem, cells, nbhd, cfg.lowland_tpi_radius_m)
    return out


def _jamming(dem, cfg, site_list, progress=None, **over) -> dict:
    """The jamming metrics of metrics.jamming_metrics for the study's settings (``over`` replaces some)."""
    kw = dict(ring_m=cfg.jam_ring[1], n_jammers=cfg.jam_ring[0], drone_height=cfg.jam_drone_height_m,
              radius_m=cfg.jam_radius_m, control=tuple(cfg.jam_control), jammer=tuple(cfg.jam_jammer),
              drone_eirp_dbm=cfg.jam_drone_eirp_dbm, processing_gain_db=cfg.jam_processing_gain_db,
              freq_mhz=cfg.freq_mhz, k_factor=cfg.k_factor, margin_db=C.SJ_MARGIN_DB)
    kw.update(over)
    return metrics.jamming_metrics(dem, site_list, progress=progress, **kw)


def _lat_lon(dem, row: int, col: int) -> tuple[float, float]:
    lon, lat = dem.cell_center_lonlat(row, col)
    return float(lat), float(lon)


def _site_ground(dem, row: int, col: int, cfg) -> dict:
    """The DEM's ground at the site and around it, against the elevation usually quoted for the town."""
    r0, r1 = max(0, row - 1), min(dem.shape[0], row + 2)
    c0, c1 = max(0, col - 1), min(dem.shape[1], col + 2)
    block = np.where(dem.void[r0:r1, c0:c1], np.nan, dem.elevation[r0:r1, c0:c1])
    out = {"post_m": float(dem.elevation[row, col]), "neighbours_min_m": float(np.nanmin(block)),
           "neighbours_max_m": float(np.nanmax(block)), "cell_m": list(dem.mean_cell_size_m)}
    if (cfg.lat, cfg.lon) == C.STUDY_SITE:
        out["quoted_m"] = C.STUDY_SITE_QUOTED_ELEVATION_M
    return out


def _tool_provenance() -> dict:
    """Tool version, the git commit of the source when it is a checkout, and the UTC date of the run."""
    import datetime as dt
    import subprocess
    from pathlib import Path

    from .. import __version__

    commit = None
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True,
                              text=True, timeout=5, check=False)
        if done.returncode == 0:
            commit = done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"tool": "terrain", "version": __version__, "commit": commit,
            "date_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def _rank(vals: dict, lowland) -> dict:
    out = {}
    for k, v in vals.items():
        v = np.asarray(v, dtype=np.float64)
        med = float(np.median(v[1:][lowland])) if lowland.any() else float("nan")
        out[k] = {"value": _num(v[0]), "percentile_all": stats.percentile_of(v[0], v[1:]),
                  "percentile_lowland": stats.percentile_of(v[0], v[1:][lowland]),
                  "ratio_to_lowland_median": _num(v[0] / med) if med > 0 else None}
    return out


def _sensitivity(dem, path_dem, cfg, site_list, lowland, bar) -> dict:
    from dataclasses import replace

    out = {"sites": len(site_list) - 1, "baseline": _rank(_key_metrics(dem, cfg, site_list), lowland)}
    if bar:
        bar.update(1)
    for k in (1.0, 2.0):
        out[f"radio_K={k:g}"] = _rank(_key_metrics(dem, replace(cfg, k_factor=k), site_list), lowland)
        if bar:
            bar.update(1)
    out["light_refraction_k=0"] = _rank(_key_metrics(dem, replace(cfg, refraction=0.0), site_list), lowland)
    if bar:
        bar.update(1)
    for factor in _coarsening_factors(dem):
        coarse = metrics.coarsen(dem, factor)
        out[f"resolution_x{factor}"] = {"resolution": coarse.resolution,
                                        **_rank(_key_metrics(coarse, cfg, site_list), lowland)}
        if bar:
            bar.update(1)
    out.update(_jamming_sensitivity(path_dem, cfg, site_list, lowland))
    if dem.arcsec is not None and dem.arcsec < 30 - 1e-6:  # finer data in use: compare with the embedded DTED0
        try:
            dted = load_dem(cfg.lat, cfg.lon, _reach_m(cfg), search=[embedded_dem_dir()])
        except MissingElevationError as exc:
            out["embedded_dted0"] = {"resolution": "not available here", "reason": str(exc).split(";")[0]}
        else:
            out["embedded_dted0"] = {"resolution": dted.resolution,
                                     **_rank(_key_metrics(dted, cfg, site_list), lowland)}
    return out


def _jamming_sensitivity(dem, cfg, site_list, lowland) -> dict:
    """Jamming metrics re-run on a few sites under other jammer powers, an airborne jammer and a
    processing gain (cfg.jam_sensitivity); the first sites of site_list (the site first)."""
    js = cfg.jam_sensitivity
    subset = site_list[: int(js["sites"]) + 1]
    low = lowland[: len(subset) - 1]
    jh, je = cfg.jam_jammer
    cases = {"jamming_baseline": {}}
    for eirp in js["eirp_dbm"]:
        cases[f"jammer_{eirp:g}dBm"] = {"jammer": (jh, eirp)}
    cases[f"airborne_jammer_{js['airborne_height_m']:g}m"] = {"jammer": (js["airborne_height_m"], je)}
    cases[f"processing_gain_{js['processing_gain_db']:g}dB"] = {"processing_gain_db": js["processing_gain_db"]}
    out = {}
    for name, over in cases.items():
        vals = _jamming(dem, cfg, subset, n_jammers=int(js["jammers"]), **over)
        out[name] = {"sites": len(subset) - 1, "jammers": int(js["jammers"]), **_rank(vals, low)}
    return out


def _coarsening_factors(dem) -> tuple:
    """Block-averaging factors: SRTM 1" -> 3" and 30" (DTED0-like); 3" -> 30"; coarser -> x2 and x4."""
    arcsec = dem.arcsec
    if arcsec is not None and abs(arcsec - 1) < 1e-6:
        return (3, 30)
    if arcsec is not None and abs(arcsec - 3) < 1e-6:
        return (2, 10)
    return (2, 4)
