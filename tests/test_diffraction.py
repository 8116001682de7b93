"""The delta-Bullington diffraction kernel (kernels/diffraction.py): against the Recommendation written out
in plain Python (tests/naive.py), the corrected knife edge, and ITM over a smooth earth."""

import math

import naive
import numpy as np
import pytest
from synthetic import fractal_terrain

from terrain import constants
from terrain.kernels.diffraction import (
    bullington_corrected,
    delta_bullington,
    knife_edge_j,
    spherical_earth_loss,
)

R_EFF = 4 / 3 * constants.EARTH_RADIUS_M
LAM = constants.SPEED_OF_LIGHT_M_S / 2.4e9


def _kernel(d, z, hts, hrs, r_eff=R_EFF, lam=LAM):
    d, z = np.asarray(d, float), np.asarray(z, float)
    return delta_bullington(d, z, len(d), hts, hrs, 1 / (2 * r_eff), lam)[0]


@pytest.mark.parametrize("seed", range(12))
def test_kernel_equals_the_recommendation_written_out(seed):
    """Random rough profiles (3-40 km, 2-300 m antennas, 100 MHz-6 GHz): the kernel (metres) equals the plain
    Python transcription (the Recommendation's km/m units) to 1e-6 dB."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 200))
    dist = float(rng.uniform(3_000, 40_000))
    d = np.sort(np.concatenate(([0.0, dist], rng.uniform(0, dist, n - 2))))
    z = fractal_terrain(1, n, seed=seed, relief_m=float(rng.uniform(5, 300)))[0] + 150
    hts, hrs = z[0] + rng.uniform(2, 300), z[-1] + rng.uniform(2, 300)
    lam = constants.SPEED_OF_LIGHT_M_S / (rng.uniform(100, 6000) * 1e6)
    ours = _kernel(d, z, hts, hrs, lam=lam)
    ref = naive.delta_bullington_db(list(d), list(z), hts, hrs, R_EFF, lam)
    assert ours >= 0 and abs(ours - ref) < 1e-6 * max(1.0, ref)


def test_corrected_knife_edge_closed_form():
    """One edge at mid path, 100 m masts on a flat 10 km path (no spherical term: they clear 0.552 F1):
    L = J(nu) + (1 - exp(-J/6)) (10 + 0.02 d_km), P.526-15 eq. 53, for nu from -0.5 to 3."""
    dist = 10_000.0
    d = np.linspace(0, dist, 1001)
    for above in (-5.0, 0.0, 5.0, 20.0, 40.0):
        z = np.zeros_like(d)
        z[500] = 100.0 + above
        nu = above * math.sqrt(2 * dist / (LAM * (dist / 2) ** 2))
        j = knife_edge_j(nu)
        expected = j + (1 - math.exp(-j / 6)) * (10 + 0.02 * dist / 1000)
        assert abs(_kernel(d, z, 100.0, 100.0, r_eff=1e15) - expected) < 0.05
    assert bullington_corrected(0.0, 50_000.0) == 0.0
    assert abs(bullington_corrected(60.0, 50_000.0) - (60 + (1 - math.exp(-10)) * 11)) < 1e-9
    assert knife_edge_j(-0.78) == 0.0


def test_smooth_earth_path_is_the_spherical_term():
    """Terrain that is the sphere itself: the actual and smooth Bullington terms coincide, so the loss is
    max(L_b, L_sph); beyond the horizon that is the spherical term, rising with distance."""
    losses = []
    for dist in (20_000.0, 40_000.0, 60_000.0, 80_000.0):
        d = np.linspace(0, dist, 401)
        loss = _kernel(d, np.zeros_like(d), 10.0, 30.0)
        assert abs(loss - max(spherical_earth_loss(dist, 10.0, 30.0, R_EFF, LAM),
                              naive.delta_bullington_db(list(d), [0.0] * 401, 10.0, 30.0, R_EFF, LAM))) < 1e-6
        losses.append(loss)
    assert losses == sorted(losses) and losses[-1] > 30


@pytest.mark.parametrize(("dist", "h1", "h2"), [(10_000, 2, 2), (20_000, 2, 10), (40_000, 2, 30),
                                                 (60_000, 2, 100)])
def test_smooth_earth_beyond_the_horizon_agrees_with_itm(dist, h1, h2):
    """ITM 1.2.2 (itmlogic) over the same smooth earth, K = 4/3 (N0 = 301): within 2 dB beyond the horizon."""
    pytest.importorskip("itmlogic")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import itm

    d = np.linspace(0, dist, 401)
    ours = _kernel(d, np.zeros_like(d), h1, h2)
    fsl = 20 * math.log10(4 * math.pi * dist / LAM)
    theirs = itm.median_loss_db(np.zeros(401), d[1], h1, h2, 2400.0)["loss_db"] - fsl
    assert abs(ours - theirs) < 2.0, (ours, theirs)
