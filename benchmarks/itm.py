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
