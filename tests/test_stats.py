"""Viewshed summaries (kernels/stats.py) against a plain numpy reference."""

import math

import numpy as np
import pytest

from terrain.kernels import stats


def _reference(vis, void, row_y, row_xs, col_x, row_conv, cell_area, radius_m, n_bins):
    x = row_xs[:, None] * col_x[None, :]
    y = np.broadcast_to(row_y[:, None], x.shape)
    d = np.sqrt(x * x + y * y)
    inside = d <= radius_m
    seen = inside & (vis != 0) & ~void
    az = (np.arctan2(x, y) - row_conv[:, None] * col_x[None, :]) % (2 * math.pi)
    k = np.floor(az / (2 * math.pi) * n_bins + 0.5).astype(int) % n_bins
    horizon = np.zeros(n_bins)
    np.maximum.at(horizon, k[seen & (d > 0)], d[seen & (d > 0)])
    far = int(np.argmax(np.where(seen, d, -1.0))) if seen.any() else -1
    return ((seen.sum(1) * cell_area).sum(), (inside.sum(1) * cell_area).sum(), int((inside & void).sum()),
            far, horizon, d)


@pytest.mark.parametrize("geographic", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_summarize_matches_a_numpy_reference(geographic, seed):
    rng = np.random.default_rng(seed)
    rows, cols = 157, 211
    vis = (rng.random((rows, cols)) < 0.3).astype(np.uint8)
    void = rng.random((rows, cols)) < 0.02
    row_y = (np.arange(rows) - 61.0) * 30.0
    col_x = (np.arange(cols) - 97.0) * (3e-4 if geographic else 30.0)
    row_xs = (1e5 * (1 + 0.01 * rng.random(rows))) if geographic else np.ones(rows)
    row_conv = 0.37 * np.ones(rows) if geographic else np.zeros(rows)
    cell_area = 900.0 + rng.random(rows)
    radius = 2500.0
    horizon = np.zeros(360)
    vis_m2, disc_m2, n_void, fr, fc, far_m = stats.summarize(vis, void, row_y, row_xs, col_x, row_conv, cell_area,
                                                               radius, 360, horizon)
    ref_vis, ref_disc, ref_void, ref_far, ref_hz, d = _reference(vis, void, row_y, row_xs, col_x, row_conv,
                                                                  cell_area, radius, 360)
    assert vis_m2 == pytest.approx(ref_vis, rel=1e-12)
    assert disc_m2 == pytest.approx(ref_disc, rel=1e-12)
    assert n_void == ref_void
    assert (fr, fc) == divmod(ref_far, cols)
    assert far_m == d[fr, fc]
    np.testing.assert_array_equal(horizon, ref_hz)  # the fast azimuths fall back to atan2 near bin edges


def test_fast_atan2_is_within_its_stated_error():
    ang = np.linspace(-math.pi, math.pi, 200_001)
    for r in (1e-3, 1.0, 7e4):
        x, y = r * np.sin(ang), r * np.cos(ang)
        got = np.array([stats._atan2_approx(a, b) for a, b in zip(x[::7], y[::7], strict=True)])
        err = np.abs(np.angle(np.exp(1j * (got - np.arctan2(x[::7], y[::7])))))
        assert err.max() < 1.2e-5
    assert stats._atan2_approx(0.0, 0.0) == 0.0
    assert stats._atan2_approx(0.0, -1.0) == pytest.approx(math.pi)
    assert stats._atan2_approx(-1.0, 0.0) == pytest.approx(-math.pi / 2)


def test_summarize_does_not_depend_on_the_thread_count():
    import numba

    rng = np.random.default_rng(3)
    rows, cols = 301, 257
    vis = (rng.random((rows, cols)) < 0.2).astype(np.uint8)
    void = rng.random((rows, cols)) < 0.01
    args = (vis, void, (np.arange(rows) - 150.0) * 30.0, np.ones(rows), (np.arange(cols) - 100.0) * 30.0,
            np.zeros(rows), 900.0 + rng.random(rows), 4000.0, 360)
    many = np.zeros(360)
    got = stats.summarize(*args, many)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = np.zeros(360)
        assert stats.summarize(*args, one) == got  # the same sums, bit for bit
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)


def test_summarize_without_voids_skips_the_mask_and_gives_the_same_answer():
    rng = np.random.default_rng(5)
    rows, cols = 143, 199
    vis = (rng.random((rows, cols)) < 0.3).astype(np.uint8)
    void = np.zeros((rows, cols), bool)
    args = (vis, void, (np.arange(rows) - 70.0) * 30.0, np.ones(rows), (np.arange(cols) - 90.0) * 30.0,
            np.zeros(rows), 900.0 + rng.random(rows), 2500.0, 360)
    with_mask, without = np.zeros(360), np.zeros(360)
    assert stats.summarize(*args, with_mask) == stats.summarize(*args, without, voids=False)
    np.testing.assert_array_equal(with_mask, without)
    ref_vis = _reference(*args)[0]
    assert stats.summarize(*args, np.zeros(360), voids=False)[0] == pytest.approx(ref_vis, rel=1e-12)


def test_a_dem_knows_whether_it_has_voids():
    from helpers import make_dem

    z = np.full((20, 30), 100.0, np.float32)
    assert not make_dem(z).has_voids
    z[3, 4] = np.nan
    dem = make_dem(z)
    assert dem.has_voids and dem.window(0, 10, 0, 10).has_voids and not dem.window(10, 20, 0, 30).has_voids
