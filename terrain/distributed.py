"""Scale-out of the total viewshed on Dask (``dask.distributed``); the only module that imports dask.

The grid of observers is cut into square tiles; each task receives its tile's observers and the DEM
window around them with a halo of the radius, and runs the same numba kernel
(``kernels.count.visible_area``) as the single-process path. Every kernel input is sliced from arrays
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
from .viewshed import _check_physics, _prepare_observers, inverse_2reff


def _tile_task(elev, void, geographic, row_coord, col_coord, scales, obs_rows, obs_cols, z0, half_r, half_c,
               cell_area, target_m, inv_2reff, radius_m, margin_m):
    """One tile: visible area (m^2) of each of its observers (runs on a worker)."""
    return count_kernels.visible_area(
        elev, void, geographic, row_coord, col_coord, scales, constants.WGS84_A_M, constants.WGS84_E2,
        obs_rows, obs_cols, z0, half_r, half_c, cell_area, target_m, inv_2reff, radius_m, margin_m, 1)


def total_viewshed_dask(dem: Dem, radius_m: float, *, client, observer_height=constants.OBSERVER_HEIGHT_M,
                        target_height=constants.TARGET_HEIGHT_M, refraction=constants.REFRACTION_LIGHT,
                        curvature: bool = True, stride: int = 1, tile: int = 256, retries: int = 2,
                        progress=None) -> np.ndarray:
    """``terrain.total_viewshed`` computed as tile + halo tasks on a Dask ``client``.

    ``tile`` is the tile side in observer cells; ``retries`` re-runs a failed task (a task that still
    fails raises: no tile is silently dropped). ``progress`` is a tqdm-like factory ``progress(total=)``.
    Returns float32 km^2 per observer cell (NaN elsewhere), identical to the single-process result.
    """
    from distributed import as_completed

    h0, ht, radius, k = _check_physics(observer_height, target_height, radius_m, refraction)
    stride, tile = int(stride), int(tile)
    if stride < 1 or tile < 1:
        raise InvalidParameterError(f"stride {stride} and tile {tile} must be >= 1")
    rr, cc = np.mgrid[0 : dem.shape[0] : stride, 0 : dem.shape[1] : stride]
    ok = ~dem.void[rr, cc]
    cells = np.stack([rr[ok], cc[ok]], axis=1)
    out = np.full(dem.shape, np.nan, np.float32)
    if len(cells) == 0:
        return out
    (geographic, row_coord, col_coord, scales, _, _, obs_r, obs_c, z0, half_r, half_c) = _prepare_observers(
        dem, cells, h0, radius)
    cell_area = dem.cell_dx_m * dem.cell_dy_m
    inv2r = inverse_2reff(curvature, k)
    key = (obs_r // tile) * (dem.shape[1] // tile + 1) + obs_c // tile
    futures = {}
    for t in np.unique(key):
        idx = np.nonzero(key == t)[0]
        ra = max(0, int((obs_r[idx] - half_r[idx]).min()))
        rb = min(dem.shape[0], int((obs_r[idx] + half_r[idx]).max()) + 1)
        ca = max(0, int((obs_c[idx] - half_c[idx]).min()))
        cb = min(dem.shape[1], int((obs_c[idx] + half_c[idx]).max()) + 1)
        fut = client.submit(
            _tile_task, np.ascontiguousarray(dem.elevation[ra:rb, ca:cb]), np.ascontiguousarray(dem.void[ra:rb, ca:cb]),
            geographic, row_coord[ra:rb].copy(), col_coord[ca:cb].copy(), scales[idx], obs_r[idx] - ra,
            obs_c[idx] - ca, z0[idx], half_r[idx], half_c[idx], cell_area[ra:rb].copy(), ht, inv2r, radius,
            constants.FAST_RECHECK_MARGIN_M, retries=retries, pure=False)
        futures[fut] = idx
    bar = progress(total=len(futures)) if progress else None
    for fut in as_completed(futures):
        idx = futures[fut]
        out[obs_r[idx], obs_c[idx]] = fut.result() / 1e6  # raises if the task failed after its retries
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out
