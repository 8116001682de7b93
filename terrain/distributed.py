"""Scale-out of the total viewshed on Dask (``dask.distributed``); the only module that imports dask.

The grid of observers is cut into tiles (square for the fast method, bands of full rows for the
sector method); each task receives its tile's observers and the DEM
window around them with a halo of the radius, and runs the same numba kernel as the single-process
path (``kernels.sector`` or ``kernels.count.visible_area``). Every kernel input is sliced from arrays
computed once for the whole grid (never recomputed from a shifted transform), so each observer sees
bit-identical numbers and the result equals ``terrain.total_viewshed`` exactly.

Run on a multi-machine cluster: start ``dask scheduler`` on one machine and ``dask worker
tcp://SCHEDULER:8786 --nthreads 1`` on every machine (one thread per worker process: the kernel is
itself parallel with numba), then pass ``--scheduler tcp://SCHEDULER:8786`` (CLI) or
``client=Client("tcp://SCHEDULER:8786")`` (API). Each worker needs terrain installed.
"""

from __future__ import annotations

import numpy as np

from . import constants
from .elevation import Dem
from .errors import InvalidParameterError
from .kernels import count as count_kernels
from .kernels.certify import VISIBILITY
from .total import SectorGrid, check_method, observer_region, sector_areas, sector_grid
from .viewshed import _check_physics, _prepare_observers, inverse_2reff


def _checked_task(elev, void, geographic, row_coord, col_coord, scales, obs_rows, obs_cols, z0, half_r, half_c,
                  cell_area, target_m, inv_2reff, radius_m):
    """One tile, "checked" method: visible area (m^2) of each of its observers, R3's (runs on a worker)."""
    return count_kernels.visible_area(
        elev, void, geographic, row_coord, col_coord, scales, constants.WGS84_A_M, constants.WGS84_E2,
        obs_rows, obs_cols, z0, half_r, half_c, cell_area, target_m, inv_2reff, np.array([radius_m]), VISIBILITY, 0.0, 0)[:, 0]


def _sector_task(elev, grid, obs_rows, c_first, c_end, stride, observer_m, target_m, inv_2reff, radius_m, n_dir):
    """One tile, sector method: m^2 (tile rows, tile columns) of its observer lattice (runs on a worker)."""
    area = sector_areas(elev, grid, obs_rows, c_first, c_end, stride, observer_m, target_m, inv_2reff, radius_m,
                        n_dir)
    return area[:, c_first:c_end:stride]


def _gather(futures, out, progress):
    """Write each finished task's areas (km^2) into ``out``; a task that failed after its retries raises."""
    from distributed import as_completed

    bar = progress(total=len(futures)) if progress else None
    for fut in as_completed(futures):
        where = futures[fut]
        out[where] = fut.result() / 1e6
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def total_viewshed_dask(dem: Dem, radius_m: float, *, client, observer_height=constants.OBSERVER_HEIGHT_M,
                        target_height=constants.TARGET_HEIGHT_M, refraction=constants.REFRACTION_LIGHT,
                        curvature: bool = True, stride: int = 1, method: str = constants.TOTAL_VIEWSHED_METHOD,
                        n_directions: int = constants.TOTAL_VIEWSHED_DIRECTIONS, tile: int = 256,
                        retries: int = 2, progress=None, region=None) -> np.ndarray:
    """``terrain.total_viewshed`` computed as tile + halo tasks on a Dask ``client``.

    ``tile`` is the tile side in observer cells (sector method: observer rows per band of full rows); ``retries`` re-runs a failed task (a task that still
    fails raises: no tile is silently dropped). ``progress`` is a tqdm-like factory ``progress(total=)``.
    Returns float32 km^2 per observer cell (NaN elsewhere), identical to the single-process result;
    ``region`` as in ``total_viewshed``.
    """
    check_method(method, n_directions, stride)
    h0, ht, radius, k = _check_physics(observer_height, target_height, radius_m, refraction)
    stride, tile = int(stride), int(tile)
    if tile < 1:
        raise InvalidParameterError(f"tile {tile} must be >= 1")
    out = np.full(dem.shape, np.nan, np.float32)
    inv2r = inverse_2reff(curvature, k)
    box = observer_region(dem, region, stride)
    if method == "sector":
        futures = _submit_sector(client, dem, sector_grid(dem, radius), box, stride, tile, h0, ht, inv2r, radius,
                                 n_directions, retries)
    else:
        futures = _submit_checked(client, dem, box, stride, tile, h0, ht, inv2r, radius, retries)
    return _gather(futures, out, progress)


def _submit_sector(client, dem, grid: SectorGrid, box, stride, tile, h0, ht, inv2r, radius, n_dir, retries):
    """Sector method: bands of ``tile`` observer rows across the region's width (the rays of a row share
    its loads, so full rows keep the vector loops long); each band ships its rows plus a halo of
    ``half_rows`` + 3 rows."""
    rows = dem.shape[0]
    r_first, r_last, c_first, c_end = box
    span = tile * stride  # band height in cells, a multiple of the stride so the lattice is unchanged
    futures = {}
    for r_start in range(r_first, r_last, span):
        r_end = min(r_last, r_start + span)
        ra, rb = max(0, r_start - grid.half_rows - 3), min(rows, r_end + grid.half_rows + 3)
        band = SectorGrid(grid.geographic, grid.row_coord[ra:rb].copy(), grid.col_step, grid.row_scale[ra:rb].copy(),
                          grid.half_rows, grid.max_steps)
        fut = client.submit(_sector_task, np.ascontiguousarray(dem.elevation[ra:rb]), band,
                            np.arange(r_start, r_end, stride) - ra, c_first, c_end, stride, h0, ht, inv2r, radius,
                            n_dir, retries=retries, pure=False)
        futures[fut] = (slice(r_start, r_end, stride), slice(c_first, c_end, stride))
    return futures


def _submit_checked(client, dem, box, stride, tile, h0, ht, inv2r, radius, retries):
    r_first, r_last, c_first, c_end = box
    rr, cc = np.mgrid[r_first:r_last:stride, c_first:c_end:stride]
    ok = ~dem.void[rr, cc]
    cells = np.stack([rr[ok], cc[ok]], axis=1)
    if len(cells) == 0:
        return {}
    (geographic, row_coord, col_coord, scales, _, _, obs_r, obs_c, z0, half_r, half_c) = _prepare_observers(
        dem, cells, h0, radius)
    cell_area = dem.cell_dx_m * dem.cell_dy_m
    key = (obs_r // tile) * (dem.shape[1] // tile + 1) + obs_c // tile
    futures = {}
    for t in np.unique(key):
        idx = np.nonzero(key == t)[0]
        ra = max(0, int((obs_r[idx] - half_r[idx]).min()))
        rb = min(dem.shape[0], int((obs_r[idx] + half_r[idx]).max()) + 1)
        ca = max(0, int((obs_c[idx] - half_c[idx]).min()))
        cb = min(dem.shape[1], int((obs_c[idx] + half_c[idx]).max()) + 1)
        fut = client.submit(
            _checked_task, np.ascontiguousarray(dem.elevation[ra:rb, ca:cb]), np.ascontiguousarray(dem.void[ra:rb, ca:cb]),
            geographic, row_coord[ra:rb].copy(), col_coord[ca:cb].copy(), scales[idx], obs_r[idx] - ra,
            obs_c[idx] - ca, z0[idx], half_r[idx], half_c[idx], cell_area[ra:rb].copy(), ht, inv2r, radius,
            retries=retries, pure=False)
        futures[fut] = (obs_r[idx], obs_c[idx])
    return futures
