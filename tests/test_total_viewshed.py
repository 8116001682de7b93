"""Total viewshed: against single-observer exact viewsheds and closed forms; identical across threads and Dask."""

import math

import numba
import numpy as np
import pytest
from helpers import cell_xy, make_dem
from synthetic import fractal_terrain

import terrain
from terrain import constants
from terrain.total import total_viewshed

KW = dict(observer_height=10.0, target_height=2.0)
METHODS = ("sector", "checked")


@pytest.fixture(scope="module")
def dem():
    return make_dem(fractal_terrain(48, 40, seed=21, relief_m=120.0), cell_m=30.0)


def test_checked_method_matches_exact_single_observer_viewsheds(dem):
    radius = 600.0
    area = total_viewshed(dem, radius, method="checked", **KW)
    rows, cols = dem.shape
    worst = 0.0
    for r in range(0, rows, 3):
        for c in range(0, cols, 3):
            x, y = cell_xy(dem, r, c)
            exact = terrain.viewshed(dem, x, y, coords="dem", radius_m=radius, method="exact", **KW)
            worst = max(worst, abs(area[r, c] - exact.stats["visible_area_km2"]))
    assert worst < 1e-6  # km2: the checked kernel's answer is the exact one here


def test_sector_method_estimates_exact_single_observer_areas():
    """Rough fractal terrain, radius 40 cells: the sector estimate against exact per-observer viewsheds."""
    grid = make_dem(fractal_terrain(130, 120, seed=5, relief_m=150.0), cell_m=30.0)
    radius = 1200.0
    sector = total_viewshed(grid, radius, stride=4, **KW)
    rel = []
    for r in range(44, 86, 4):
        for c in range(44, 76, 4):
            x, y = cell_xy(grid, r, c)
            exact = terrain.viewshed(grid, x, y, coords="dem", radius_m=radius, method="exact", **KW)
            rel.append(sector[r, c] / exact.stats["visible_area_km2"] - 1.0)
    rel = np.abs(rel)
    assert rel.mean() < 0.02 and rel.max() < 0.08, (rel.mean(), rel.max())


def test_sector_flat_ground_without_curvature_is_the_whole_disc():
    flat = make_dem(np.zeros((101, 101)), cell_m=30.0)
    area = total_viewshed(flat, 1000.0, curvature=False, **KW)
    interior = area[34:67, 34:67]
    np.testing.assert_allclose(interior, math.pi * 1.0**2, rtol=1e-5)
    assert area[50, 0] == pytest.approx(math.pi / 2, rel=0.03)  # an edge observer: half the disc is on the grid


def test_sector_flat_ground_with_curvature_sees_to_the_smooth_earth_horizon():
    """Curvature on, refraction 0: ground visible out to sqrt(2 R h), area pi d^2 within a step and a half."""
    flat = make_dem(np.zeros((201, 201)), cell_m=500.0)
    area = total_viewshed(flat, 49_000.0, observer_height=100.0, target_height=0.0, refraction=0.0)
    d = math.sqrt(2 * constants.EARTH_RADIUS_M * 100.0)  # 35.7 km
    assert area[100, 100] == pytest.approx(math.pi * d**2 / 1e6, abs=math.pi * ((d + 750) ** 2 - d**2) / 1e6)
    k = 0.25  # with refraction k the horizon moves out to sqrt(2 R / (1 - k) h)
    bent = total_viewshed(flat, 49_000.0, observer_height=100.0, target_height=0.0, refraction=k)
    d_k = math.sqrt(2 * constants.EARTH_RADIUS_M / (1 - k) * 100.0)
    assert bent[100, 100] == pytest.approx(math.pi * d_k**2 / 1e6, abs=math.pi * ((d_k + 750) ** 2 - d_k**2) / 1e6)


def test_sector_wall_hides_and_void_wall_does_not():
    z = np.zeros((81, 81))
    wall, holed = z.copy(), z.copy()
    wall[:, 45] = 500.0
    holed[:, 45] = np.nan
    kw = dict(curvature=False, **KW)
    base = total_viewshed(make_dem(z, cell_m=30.0), 900.0, **kw)[40, 40]
    walled = total_viewshed(make_dem(wall, cell_m=30.0), 900.0, **kw)[40, 40]
    void = total_viewshed(make_dem(holed, cell_m=30.0), 900.0, **kw)
    # the wall at 150 m east hides the far side of the chord x > 150 m (about 1.2 of 2.5 km2)
    assert walled < base - 0.8
    # a void neither blocks nor counts: only a band about two cells wide around it is lost
    lost = base - void[40, 40]
    assert 0 < lost < 2 * 30.0 * 2 * 900.0 / 1e6 * 1.2
    assert np.isnan(void[40, 45]) and np.isfinite(void[40, 44])


def test_sector_stride_is_the_every_cell_result_on_its_lattice(dem):
    every = total_viewshed(dem, 500.0, **KW)
    strided = total_viewshed(dem, 500.0, stride=3, **KW)
    np.testing.assert_array_equal(strided[::3, ::3], every[::3, ::3])
    assert np.isnan(strided[1::3, :]).all() and np.isnan(strided[:, 1::3]).all()


@pytest.mark.parametrize("method", METHODS)
def test_stride_voids_and_bad_parameters(dem, method):
    void = np.zeros(dem.shape, bool)
    void[10, 10] = True
    holed = make_dem(np.where(void, np.nan, dem.elevation), cell_m=30.0)
    area = total_viewshed(holed, 500.0, stride=2, method=method, **KW)
    assert np.isnan(area[1::2, :]).all() and np.isnan(area[10, 10])
    assert np.isfinite(area[0:10:2, 0::2]).all()
    with pytest.raises(terrain.InvalidParameterError, match="stride"):
        total_viewshed(dem, 500.0, stride=0, method=method)
    with pytest.raises(terrain.InvalidParameterError, match="n_directions"):
        total_viewshed(dem, 500.0, n_directions=2, method=method)
    with pytest.raises(terrain.InvalidParameterError, match="method"):
        total_viewshed(dem, 500.0, method="magic")


@pytest.mark.parametrize("method", METHODS)
def test_region_is_the_whole_grid_result_there(dem, method):
    every = total_viewshed(dem, 500.0, stride=2, method=method, **KW)
    part = total_viewshed(dem, 500.0, stride=2, method=method, region=(5, 20, 7, 31), **KW)
    inside = np.zeros(dem.shape, bool)
    inside[5:20, 7:31] = True
    np.testing.assert_array_equal(part[inside], every[inside])  # same lattice, same values
    assert np.isnan(part[~inside]).all() and np.isfinite(part[6:20:2, 8:31:2]).all()
    for bad in [(5, 5, 0, 10), (0, 10, -1, 5), (0, 49, 0, 10), (1, 2, 3)]:
        with pytest.raises(terrain.InvalidParameterError, match="region"):
            total_viewshed(dem, 500.0, method=method, region=bad)


@pytest.mark.parametrize("method", METHODS)
def test_identical_on_1_and_2_threads(dem, method):
    two = total_viewshed(dem, 700.0, method=method, **KW)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = total_viewshed(dem, 700.0, method=method, **KW)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                                  processes=True) as c, distributed.Client(c) as client:
        yield client


@pytest.mark.parametrize("method", METHODS)
def test_dask_1_and_2_workers_are_bit_identical(dem, cluster, method):
    local = total_viewshed(dem, 700.0, method=method, **KW)
    both = total_viewshed(dem, 700.0, client=cluster, tile=16, method=method, **KW)
    np.testing.assert_array_equal(both, local)
    one_worker = cluster.scheduler_info()["workers"]
    first = next(iter(one_worker))
    from terrain.distributed import total_viewshed_dask

    class _Pinned:  # route every task to one worker: the 1-worker run
        def __init__(self, client, worker):
            self.client, self.worker = client, worker

        def submit(self, *args, **kw):
            return self.client.submit(*args, workers=[self.worker], **kw)

    single = total_viewshed_dask(dem, 700.0, client=_Pinned(cluster, first), tile=7, stride=2, method=method, **KW)
    np.testing.assert_array_equal(single, total_viewshed(dem, 700.0, stride=2, method=method, **KW))
    box = (3, 30, 5, 22)
    np.testing.assert_array_equal(total_viewshed(dem, 700.0, client=cluster, tile=5, stride=2, method=method,
                                                 region=box, **KW),
                                  total_viewshed(dem, 700.0, stride=2, method=method, region=box, **KW))


@pytest.mark.parametrize("method", METHODS)
def test_dask_on_a_geographic_grid(pokrovsk_dem, cluster, method):
    r, c = pokrovsk_dem.index(48.2828, 37.1828)
    win = pokrovsk_dem.window(r - 12, r + 12, c - 15, c + 15)
    local = total_viewshed(win, 5_000.0, method=method, **KW)
    remote = total_viewshed(win, 5_000.0, client=cluster, tile=7, method=method, **KW)
    np.testing.assert_array_equal(remote, local)
    assert np.isfinite(local).all() and local.max() > 0


def test_cuda_without_a_gpu_is_a_clear_error(dem):
    from numba import cuda

    if cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    with pytest.raises(terrain.DeviceUnavailableError, match="CUDA"):
        total_viewshed(dem, 500.0, device="cuda")
    with pytest.raises(terrain.InvalidParameterError, match="device"):
        total_viewshed(dem, 500.0, device="tpu")


CUDA_SIM = """
import sys
import numpy as np
sys.path.insert(0, {tests!r})
from helpers import make_dem
from synthetic import fractal_terrain
from terrain.total import total_viewshed
z = fractal_terrain(20, 24, seed=3, relief_m=80.0)
z[5, 7] = np.nan
dem = make_dem(z, cell_m=30.0)
kw = dict(observer_height=10.0, target_height=2.0, n_directions=16)
for stride in (1, 3):
    cpu = total_viewshed(dem, 200.0, stride=stride, **kw)
    gpu = total_viewshed(dem, 200.0, stride=stride, device="cuda", **kw)
    assert np.array_equal(np.isnan(cpu), np.isnan(gpu)), stride
    np.testing.assert_allclose(gpu, cpu, rtol=1e-5)
print("ok")
"""


def test_cuda_kernel_matches_the_cpu_kernel_in_the_simulator():
    """The numba.cuda kernel, run by numba's CUDA simulator (no GPU needed), against the CPU sector kernel."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = CUDA_SIM.format(tests=str(Path(__file__).parent))
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and "ok" in res.stdout, res.stderr[-2000:]
