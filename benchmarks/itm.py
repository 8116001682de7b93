"""Longley-Rice (ITM 1.2.2) point-to-point loss from ``itmlogic`` (PyPI), for cross-checking our model.

Parameters follow the ITM defaults for a continental temperate climate; the surface refractivity
N0 = 301 makes ITM's effective earth curvature equal to K = 4/3 (ITM: gamma_e = 157e-9 (1 - 0.04665
exp(N/179.3)) 1/m), so both models bend rays the same way.
"""

from __future__ import annotations

import math


def available() -> bool:
    try:
        import itmlogic  # noqa: F401
    except ImportError:
        return False
    return True


def median_loss_db(profile_m, step_m: float, h1_m: float, h2_m: float, freq_mhz: float, *,
                   n0: float = 301.0, eps: float = 15.0, sgm: float = 0.005, climate: int = 5,
                   vertical: bool = True) -> dict:
    """Median basic transmission loss (dB) of ITM point-to-point mode over an elevation profile (m)."""
    from itmlogic.preparatory_subroutines.qlrpfl import qlrpfl
    from itmlogic.statistics.avar import avar

    z = [float(v) for v in profile_m]
    wn = freq_mhz / 47.7
    gme = 157e-9 * (1 - 0.04665 * math.exp(n0 / 179.3))
    zq = complex(eps, 376.62 * sgm / wn)
    zgnd = (zq - 1) ** 0.5
    if vertical:
        zgnd = zgnd / zq
    prop = {
        "fmhz": freq_mhz, "d": step_m * (len(z) - 1) / 1000, "hg": [h1_m, h2_m], "ipol": int(vertical),
        "eps": eps, "sgm": sgm, "klim": climate, "ens0": n0, "ens": n0, "lvar": 5, "gma": 157e-9, "gme": gme,
        "wn": wn, "zgnd": zgnd, "kwx": 0, "klimx": 0, "mdvarx": 11, "pfl": [len(z) - 1, step_m, *z],
    }
    prop = qlrpfl(prop)
    free_space = 8.685890 * math.log(2 * prop["wn"] * prop["dist"])
    correction, prop = avar(0.0, 0.0, 0.0, prop)  # median: reliability 50 %, confidence 50 %
    return {"loss_db": free_space + correction, "free_space_db": free_space, "excess_db": correction,
            "error_code": prop["kwx"]}


def compare_paths(quick: bool) -> dict:
    """Control-station-to-drone paths on the embedded DTED0 around Pokrovsk: our path loss (free space +
    delta-Bullington) and the edge-only model it replaced (free space + J(nu)) against ITM's median loss,
    on the same profiles (ours sampled at grid-line crossings, ITM given the same terrain resampled to a
    uniform 300 m step). 2 m station at 117 seeded land sites (13 in --quick), drones 100 m above ground,
    25 per site at seeded azimuths and 3-30 km."""
    import numpy as np

    import terrain
    from terrain.highground import sites as study_sites
    from terrain.kernels.diffraction import knife_edge_j

    lat0, lon0, tx, rx, f = 48.2828, 37.1828, 2.0, 100.0, 2400.0
    dem = terrain.load_dem(lat0, lon0, 72_000)
    stations = study_sites.stratified_sample(dem, (lat0, lon0), 40_000, 13 if quick else 117, 7, 0.0)
    rng = np.random.default_rng(29)
    rows = []
    for s in stations:
        for _ in range(25):
            lat2, lon2 = terrain.geodesy.destination(s.lat, s.lon, float(rng.uniform(0, 360)),
                                                     float(rng.uniform(3_000, 30_000)))
            if not dem.contains(lat2, lon2) or dem.void[dem.index(lat2, lon2)]:
                continue
            p = terrain.profile(dem, s.lat, s.lon, lat2, lon2, height1=tx, height2=rx, freq_mhz=f)
            sm = p.summary
            n = max(int(sm["distance_m"] / 300.0), 10)
            du = np.linspace(0.0, sm["distance_m"], n + 1)
            it = median_loss_db(np.interp(du, p.distance_m, p.terrain_m), float(du[1]), tx, rx, f)
            nu = sm["bullington_nu"]
            edge_only = sm["free_space_loss_db"] + (knife_edge_j(nu) if nu is not None else 0.0)
            rows.append((sm["line_of_sight"], sm["path_loss_db"], edge_only, it["loss_db"]))
    arr = np.array(rows, dtype=float)
    los = arr[:, 0] == 1

    def dist(diff):
        return {"paths": int(diff.size), "median_db": float(np.median(diff)),
                "median_abs_db": float(np.median(np.abs(diff))),
                "percentiles_10_25_75_90_db": [float(v) for v in np.percentile(diff, [10, 25, 75, 90])]}

    out = {"workload": compare_paths.__doc__.split("\n\n")[0].replace("\n    ", " "),
           "dem": dem.resolution, "freq_mhz": f, "paths": len(rows)}
    for name, mask in (("non_los", ~los), ("los", los)):
        out[name] = {"ours_minus_itm": dist(arr[mask, 1] - arr[mask, 3]),
                     "edge_only_minus_itm": dist(arr[mask, 2] - arr[mask, 3])}
    out["model_note"] = ("ours: free space + delta-Bullington (ITU-R P.526-15 4.5); edge only: free space + J(nu) of "
                         "the Bullington edge (the model before); ITM 1.2.2 median (itmlogic), N0=301 (K=4/3), "
                         "continental temperate, vertical pol., eps 15, sigma 0.005 S/m")
    return out
