"""The vertical error of the elevation data in use, and what it does to the study's rankings (Monte Carlo).

The error is the one published for the data actually loaded (DTED Level 0/1 or SRTM), never a fixed
number. Each run adds a Gaussian random field with that RMSE and a stated correlation length to the DEM
and re-ranks the site among the same sample sites; the correlation length is varied.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import constants as C
from . import metrics, stats


def data_vertical_error(resolution: str) -> dict:
    """Published absolute vertical accuracy of the data behind ``resolution`` (a Dem.resolution label):
    LE90 (m), the RMSE it implies (LE90 / 1.6449 for Gaussian error) and the source. A mosaic of several
    kinds takes the largest error."""
    found = [kind for kind in C.DEM_VERTICAL_LE90_M if kind in resolution]
    if not found:
        le90, source = C.DEM_VERTICAL_LE90_UNKNOWN
        return {"le90_m": le90, "rmse_m": le90 / C.LE90_PER_SIGMA, "source": source, "data": resolution}
    kind = max(found, key=lambda k: C.DEM_VERTICAL_LE90_M[k][0])
    le90, source = C.DEM_VERTICAL_LE90_M[kind]
    return {"le90_m": le90, "rmse_m": le90 / C.LE90_PER_SIGMA, "source": source, "data": kind}


def monte_carlo(dem, cfg, site_list, key_metrics, rng, bar=None) -> dict:
    """Rank the site (site_list[0]) among site_list[1:] on DEMs with correlated vertical error added.

    ``key_metrics(dem, cfg, site_list)`` returns {metric: values per site}. For each correlation length
    in ``cfg.dem_error[0]`` (the first is the main case), ``cfg.dem_error[1]`` runs. Returns, per case
    and metric: the probability that the site stays in the top quartile of these sites (percentile >= 75),
    the 95 % interval of its percentile over the runs, and the noise-free percentile.
    """
    err = data_vertical_error(dem.resolution)
    sigma = float(cfg.dem_rmse_m) if cfg.dem_rmse_m is not None else err["rmse_m"]
    lengths, runs, _ = cfg.dem_error
    data_resolution = dem.resolution
    factor = metrics.cells_across(dem, C.STUDY_MC_CELL_M)
    if factor >= 2:  # 1" data: every run on the DEM block-averaged to ~3" (the error field still the 1" data's)
        dem = metrics.coarsen(dem, factor)
    base = {k: stats.percentile_of(v[0], v[1:]) for k, v in key_metrics(dem, cfg, site_list).items()}
    cases = []
    for corr_m in lengths:
        corr_cells = corr_m / max(dem.mean_cell_size_m)
        pcts: dict = {}
        for _ in range(int(runs)):
            noise = metrics.correlated_noise(dem.shape, sigma, corr_cells, rng)
            noisy = replace(dem, elevation=dem.elevation + noise)
            for k, v in key_metrics(noisy, cfg, site_list).items():
                pcts.setdefault(k, []).append(stats.percentile_of(v[0], v[1:]))
            if bar:
                bar.update(1)
        cases.append({
            "correlation_m": float(corr_m), "runs": int(runs),
            "p_top_quartile": {k: float(np.mean(np.asarray(p) >= 75.0)) for k, p in pcts.items()},
            "percentile_ci95": {k: [float(np.percentile(p, 2.5)), float(np.percentile(p, 97.5))]
                                for k, p in pcts.items()},
            "percentile_median": {k: float(np.median(p)) for k, p in pcts.items()},
        })
    return {
        "rmse_m": sigma, "le90_m": sigma * C.LE90_PER_SIGMA, "rmse_source": (
            err["source"] if cfg.dem_rmse_m is None else f"set by the user ({sigma:g} m RMSE)"),
        "data": err["data"], "sites": len(site_list) - 1, "noise_free_percentile": base,
        "run_on": (dem.resolution if dem.resolution != data_resolution else "the data as loaded"),
        "test": "the site stays in the top quartile of the same sample sites (percentile among all >= 75)",
        "field": "Gaussian random field, Gaussian correlation of the stated length (spectral method), same "
                 "field for the site and its comparison sites in each run",
        "cases": cases, "main": cases[0],
    }
