"""numba.cuda variant of the sector total viewshed (``kernels/sector.py``); imported only for ``device="cuda"``.

The CPU builds, per observer row and sector, the same ray-step tables as the CPU kernel (``row_rays``)
and casts them to float32 exactly as ``sector._walk_row`` does; the GPU
runs one thread per observer (grid-stride loop), walking every sector's ray over those tables. Adjacent
threads are adjacent columns, so elevation loads coalesce and the tables are read in lockstep.
Results equal the CPU kernel to float32 rounding (the GPU may fuse multiply-adds).
"""

import math

import numpy as np
from numba import cuda, njit, prange

from .sector import row_rays, step_constants


@njit(cache=True, parallel=True)
def step_tables(geographic, row_coord, col_step, row_scale, a_m, e2, obs_rows, rows, cols, target_m, inv_2reff,
                radius_m, n_dir, half_rows, kcap):
    """Ray-step tables for observer rows ``obs_rows``: per (row, sector) the step count and major axis;
    per step the major offset, low minor offset (int32) and float32 weight, curvature drop (m), 1/distance
    (1/m), target lift (target_m / distance) and ring area (m^2); per row the inner disc area (m^2)."""
    nb = obs_rows.shape[0]
    count = np.zeros((nb, n_dir), np.int32)
    x_major = np.zeros((nb, n_dir), np.uint8)
    off_major = np.zeros((nb, n_dir, kcap), np.int32)
    off_lo = np.zeros((nb, n_dir, kcap), np.int32)
    table = np.zeros((nb, n_dir, kcap, 5), np.float32)  # weight, drop, 1/d, lift, area
    inner_sum = np.zeros(nb)
    for t in prange(nb):
        xm, n, om, ol, frac, dist, area, inner_sum[t] = row_rays(
            geographic, row_coord, col_step, row_scale, a_m, e2, obs_rows[t], rows, cols, half_rows, kcap, radius_m,
            n_dir)
        for j in range(n_dir):
            count[t, j] = n[j]
            x_major[t, j] = xm[j]
            for i in range(n[j]):
                off_major[t, j, i] = om[j, i]
                off_lo[t, j, i] = ol[j, i]
                w, drop, inv_d, lift, a = step_constants(frac[j, i], dist[j, i], area[j, i], inv_2reff, target_m)
                table[t, j, i, 0] = w
                table[t, j, i, 1] = drop
                table[t, j, i, 2] = inv_d
                table[t, j, i, 3] = lift
                table[t, j, i, 4] = a
    return count, x_major, off_major, off_lo, table, inner_sum


@cuda.jit
def _walk_kernel(elev, obs_rows, c_first, stride, n_cols_obs, observer_m, count, x_major, off_major, off_lo, table,
                 inner_sum, out):
    """out[t, k] = visible area (m^2) of observer (obs_rows[t], c_first + k * stride); NaN on voids."""
    cols = elev.shape[1]
    n_obs = obs_rows.shape[0] * n_cols_obs
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for idx in range(start, n_obs, step):
        t = idx // n_cols_obs
        k = idx - t * n_cols_obs
        r0 = obs_rows[t]
        c = c_first + k * stride
        ground = elev[r0, c]
        if math.isnan(ground):
            out[t, k] = math.nan
            continue
        z0 = np.float32(ground + np.float32(observer_m))
        total = 0.0
        for j in range(count.shape[1]):
            acc = np.float32(0.0)
            horizon = np.float32(-math.inf)
            for i in range(count[t, j]):
                lo = off_lo[t, j, i]
                w = table[t, j, i, 0]
                hi = lo + 1 if w > 0 else lo
                m = off_major[t, j, i]
                if x_major[t, j]:
                    r_lo, r_hi, c_lo, c_hi = r0 + lo, r0 + hi, c + m, c + m
                else:
                    r_lo, r_hi, c_lo, c_hi = r0 + m, r0 + m, c + lo, c + hi
                if c_lo < 0 or c_hi >= cols:
                    break  # this observer's ray has left the grid
                s = (elev[r_lo, c_lo] * (np.float32(1.0) - w) + elev[r_hi, c_hi] * w - table[t, j, i, 1] - z0) \
                    * table[t, j, i, 2]
                if s + table[t, j, i, 3] >= horizon:
                    acc += table[t, j, i, 4]
                if s > horizon:
                    horizon = s
            total += acc
        out[t, k] = total + inner_sum[t]


def sector_total_viewshed_cuda(elev, geographic, row_coord, col_step, row_scale, a_m, e2, obs_rows, c_first, c_end,
                               stride, observer_m, target_m, inv_2reff, radius_m, n_dir, half_rows, kcap,
                               rows_per_batch, threads_per_block):
    """GPU form of ``sector.sector_total_viewshed`` (same arguments and float64 (len(obs_rows), cols) output).

    Observer rows go to the device in batches of ``rows_per_batch`` (bounds the step tables' memory).
    """
    rows, cols = elev.shape
    out = np.full((obs_rows.shape[0], cols), np.nan)
    n_cols_obs = len(range(c_first, c_end, stride))
    if n_cols_obs == 0 or obs_rows.shape[0] == 0:
        return out
    d_elev = cuda.to_device(np.ascontiguousarray(elev, dtype=np.float32))
    for b in range(0, obs_rows.shape[0], rows_per_batch):
        batch = np.ascontiguousarray(obs_rows[b : b + rows_per_batch], dtype=np.int64)
        tables = step_tables(geographic, row_coord, col_step, row_scale, a_m, e2, batch, rows, cols, target_m,
                             inv_2reff, radius_m, n_dir, half_rows, kcap)
        d_out = cuda.device_array((batch.shape[0], n_cols_obs), np.float64)
        blocks = (batch.shape[0] * n_cols_obs + threads_per_block - 1) // threads_per_block
        _walk_kernel[blocks, threads_per_block](d_elev, cuda.to_device(batch), c_first, stride, n_cols_obs,
                                                observer_m, *(cuda.to_device(a) for a in tables), d_out)
        out[b : b + batch.shape[0], c_first:c_end:stride] = d_out.copy_to_host()
    return out
