"""Total viewshed: against single-observer exact viewsheds, and identical across threads and Dask."""

import numba
import numpy as np
import pytest
from helpers import cell_xy, make_dem
from synthetic import fractal_terrain

import terrain
from terrain.viewshed import total_viewshed

KW = dict(observer_height=10.0, target_height=2.0)


@pytest.fixture(scope="module")
def dem():
    return make_dem(fractal_terrain(48, 40, seed=21, relief_m=120.0), cell_m=30.0)


def test_total_viewshed_matches_exact_single_observer_viewsheds(dem):
    radius = 600.0
    area = total_viewshed(dem, radius, **KW)
    rows, cols = dem.shape
    worst = 0.0
    for r in range(0, rows, 3):
        for c in range(0, cols, 3):
            x, y = cell_xy(dem, r, c)
            exact = terrain.viewshed(dem, x, y, coords="dem", radius_m=radius, method="exact", **KW)
            worst = max(worst, abs(area[r, c] - exact.stats["visible_area_km2"]))
    assert worst < 1e-6  # km2: the fast kernel's answer is the exact one here


def test_total_viewshed_stride_and_voids(dem):
    void = np.zeros(dem.shape, bool)
    void[10, 10] = True
    holed = make_dem(np.where(void, np.nan, dem.elevation), cell_m=30.0)
    area = total_viewshed(holed, 500.0, stride=2, **KW)
    assert np.isnan(area[1::2, :]).all() and np.isnan(area[10, 10])
    assert np.isfinite(area[0:10:2, 0::2]).all()
    with pytest.raises(terrain.InvalidParameterError, match="stride"):
        total_viewshed(dem, 500.0, stride=0)


def test_identical_on_1_and_2_threads(dem):
    two = total_viewshed(dem, 700.0, **KW)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = total_viewshed(dem, 700.0, **KW)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                                  processes=True) as c, distributed.Client(c) as client:
        yield client


def test_dask_1_and_2_workers_are_bit_identical(dem, cluster):
    local = total_viewshed(dem, 700.0, **KW)
    both = total_viewshed(dem, 700.0, client=cluster, tile=16, **KW)
    np.testing.assert_array_equal(both, local)
    one_worker = cluster.scheduler_info()["workers"]
    first = next(iter(one_worker))
    from terrain.distributed import total_viewshed_dask

    class _Pinned:  # route every task to one worker: the 1-worker run
        def __init__(self, client, worker):
            self.client, self.worker = client, worker

        def submit(self, *args, **kw):
            return self.client.submit(*args, workers=[self.worker], **kw)

    single = total_viewshed_dask(dem, 700.0, client=_Pinned(cluster, first), tile=16, **KW)
    np.testing.assert_array_equal(single, local)


def test_dask_on_a_geographic_grid(pokrovsk_dem, cluster):
    r, c = pokrovsk_dem.index(48.2828, 37.1828)
    win = pokrovsk_dem.window(r - 12, r + 12, c - 15, c + 15)
    local = total_viewshed(win, 5_000.0, **KW)
    remote = total_viewshed(win, 5_000.0, client=cluster, tile=7, **KW)
    np.testing.assert_array_equal(remote, local)
    assert np.isfinite(local).all() and local.max() > 0
