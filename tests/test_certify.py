"""The certified lockstep kernel (kernels/certify.py) against the exact R3 walk: equal visibility (both
modes) and minimum visible height (EVERYTHING), cell for cell.

No tolerance and no tie exceptions: cells take R3's own samples (los.horizon_over) and R3's arithmetic, and
the bounds that decide which samples carry a slack far above rounding, so any difference is a bug in them.
"""

import numpy as np
import pytest
from helpers import cell_xy, make_dem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from synthetic import fractal_terrain, hgt_tile

import terrain
from terrain import constants
from terrain.kernels import certify, los, rays
from terrain.kernels.geometry import max_cell_m
from terrain.viewshed import inverse_2reff, observer_window


def _both(dem, x, y, h, target, radius_m, *, coords="dem", curvature=True, nudge_rows=0.0):
    """(certified vis, exact vis, inside) on the observer's radius window, after checking that the mode
    that also writes the minimum visible height gives exact's visibility and heights; nudge_rows scales row
    i's east scale by 1 + nudge_rows x i (a frame that is not linear, as on geographic grids)."""
    w = observer_window(dem, x, y, coords, radius_m)
    f = w.frame
    row_xs = f.row_x_scale * (1.0 + nudge_rows * np.arange(len(f.row_x_scale)))
    z0 = float(w.elev[w.r0, w.c0]) + h
    args = (w.elev, w.void, f.row_y_m, row_xs, f.col_x, w.r0, w.c0, z0, target,
            inverse_2reff(curvature, constants.REFRACTION_LIGHT), radius_m)
    rows, cols = w.elev.shape
    ref = np.zeros(w.elev.shape, np.uint8)
    ref_mvh = np.empty(w.elev.shape, np.float32)
    los.exact_viewshed(*args, ref, ref_mvh)
    out = {}
    for mode in (certify.VISIBILITY, certify.EVERYTHING):
        vis = np.zeros(w.elev.shape, np.uint8)
        mvh = np.full(w.elev.shape, -1.0, np.float32)
        rays.lockstep_viewshed(*args, max_cell_m(f.row_y_m, row_xs, f.col_x), 0.0, 0, vis, mvh,
                               rays.cast_extent.py_func(w.half_r, w.r0, rows),
                               rays.cast_extent.py_func(w.half_c, w.c0, cols), certify=mode)
        out[mode] = vis, mvh
    inside = ~np.isnan(ref_mvh)
    vis, mvh = out[certify.EVERYTHING]
    np.testing.assert_array_equal(vis, out[certify.VISIBILITY][0])
    np.testing.assert_array_equal(mvh, ref_mvh)  # NaN where exact has NaN, bit-equal elsewhere
    return vis, ref, inside


def _assert_equal(vis, ref, inside):
    np.testing.assert_array_equal(vis[inside], ref[inside])
    assert not vis[~inside].any()  # voids and cells past the radius are never visible


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(z=arrays(np.float64, st.tuples(st.integers(2, 24), st.integers(2, 24)),
                elements=st.floats(0, 200, allow_nan=False, width=32)),
       voids=st.integers(0, 2**32 - 1), obs=st.tuples(st.floats(0, 1), st.floats(0, 1)), h=st.floats(0, 30),
       ht=st.floats(0, 10), radius_cells=st.sampled_from([1.5, 4.0, 9.0, 1e6]), curvature=st.booleans(),
       cell=st.sampled_from([30.0, 1000.0]))
def test_certified_equals_exact_on_random_grids(z, voids, obs, h, ht, radius_cells, curvature, cell):
    rows, cols = z.shape
    void = np.random.default_rng(voids).random(z.shape) < 0.15
    r0, c0 = min(int(obs[0] * rows), rows - 1), min(int(obs[1] * cols), cols - 1)
    void[r0, c0] = False
    dem = make_dem(z, cell_m=cell, void=void)
    _assert_equal(*_both(dem, *cell_xy(dem, r0, c0), h, ht, radius_cells * cell, curvature=curvature))


@pytest.mark.parametrize(("seed", "beta", "relief"), [(1, 3.2, 300), (5, 2.4, 200), (6, 2.8, 100)])
@pytest.mark.parametrize("h", [2.0, 10.0])
@pytest.mark.parametrize("radius_m", [2500.0, 1e9])
def test_certified_equals_exact_on_fractal_terrain(seed, beta, relief, h, radius_m):
    dem = make_dem(fractal_terrain(301, 257, seed=seed, beta=beta, relief_m=relief), cell_m=30.0)
    _assert_equal(*_both(dem, *cell_xy(dem, 140, 101), h, 2.0, radius_m))


def test_certified_equals_exact_where_the_bounds_keep_many_lines():
    """A cone around the observer (every cell at nearly the same elevation angle) with noise: the bounds of
    most gaps overlap for many lines, so lists fill, drop stale lines and overflow into full walks."""
    rows, cols = 241, 263
    rr, cc = np.mgrid[0:rows, 0:cols]
    dist = np.hypot(rr - 120, cc - 131) * 30.0
    z = 100.0 + 0.02 * dist + np.random.default_rng(3).normal(0, 0.4, (rows, cols))
    dem = make_dem(z, cell_m=30.0)
    for h in (0.0, 0.5, 3.0):
        _assert_equal(*_both(dem, *cell_xy(dem, 120, 131), h, 0.5, 1e9))


def test_certified_equals_exact_on_a_frame_that_is_not_linear():
    dem = make_dem(fractal_terrain(157, 203, seed=12, beta=2.6, relief_m=150), cell_m=30.0)
    _assert_equal(*_both(dem, *cell_xy(dem, 61, 140), 6.0, 1.0, 1e9, nudge_rows=1e-6))


def test_certified_equals_exact_on_a_geographic_tile(tmp_path):
    hgt_tile(tmp_path, "N48E037", side=1201, seed=21)
    dem = terrain.open_dem(tmp_path / "N48E037.hgt")
    for lat, lon, radius in ((48.5, 37.5, 12_000.0), (48.97, 37.03, 9_000.0)):
        vis, ref, inside = _both(dem, lat, lon, 10.0, 2.0, radius, coords="latlon")
        assert inside.sum() > 20_000
        _assert_equal(vis, ref, inside)


def test_checked_counts_equal_exact_viewsheds_summed():
    """viewshed_count(method="checked") runs the certified kernel: equal to summing exact (R3) viewsheds."""
    dem = make_dem(fractal_terrain(180, 150, seed=19, relief_m=250), cell_m=30.0)
    cells = [(0, 0), (90, 75), (179, 149), (30, 140), (91, 75)]
    kw = dict(observer_height=6.0, target_height=2.0, radius_m=2400.0)
    exact = sum(terrain.viewshed(dem, *cell_xy(dem, r, c), coords="dem", method="exact", **kw).visible.astype(np.int32)
                for r, c in cells)
    got = terrain.viewshed_count(dem, [cell_xy(dem, r, c) for r, c in cells], coords="dem", method="checked", **kw)
    np.testing.assert_array_equal(got, exact)


def test_distance_between_two_column_samples_stays_within_the_slack():
    """On a geographic grid the distance along a column dips (the east scale falls poleward) near the
    observer's row: between two points less than a row apart it stays within distance_slack of theirs."""
    from terrain.kernels.geometry import distance_at

    dem = terrain.Dem.from_array(np.zeros((401, 401), np.float32),
                                 __import__("affine").Affine(30 / 3600, 0, 20.0, 0, -30 / 3600, 80.0), "EPSG:4326")
    w = observer_window(dem, *dem.cell_center_lonlat(200, 200)[::-1], "latlon", 1e9)
    f = w.frame
    eps = certify.distance_slack(f.row_x_scale)
    assert eps > 0
    dips = 0
    for col, side in ((w.c0 + 40, 1), (w.c0 + 200, 1), (w.c0 + 40, -1)):  # an octant's samples: one side of r0
        rows = w.r0 + side * np.linspace(0, 3, 301)
        d = np.array([distance_at(f.row_y_m, f.row_x_scale, f.col_x, r, float(col)) for r in rows])
        for a in range(len(rows) - 100):  # every pair of points one row apart, and every point between
            seg = d[a:a + 101]
            dips += seg.min() < min(seg[0], seg[-1])
            assert seg.min() >= (1 - eps) * min(seg[0], seg[-1])
            assert seg.max() <= (1 + eps) * max(seg[0], seg[-1])
    assert dips > 0  # the distance really is not monotone there
