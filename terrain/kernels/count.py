"""Cumulative viewshed: how many observers see each cell.

Parallel over observers in fixed chunks; each chunk adds into its own count
plane and the planes are summed afterwards, so any thread count gives the
same integers. Each observer runs the serial fast kernel on its radius window
only, so the cost grows with radius^2, not with the grid.
"""

import numpy as np
from numba import njit, prange

from .geometry import geographic_frame, projected_frame
from .sweep import fast_viewshed_serial


@njit(cache=True, parallel=True)
def count_visible(
    elev, void, geographic, row_coord, col_coord, obs_scale, a_m, e2,
    obs_rows, obs_cols, obs_z0, half_rows, half_cols,
    target_m, inv_2reff, radius_m, margin_m, density, n_chunks,
):
    """Counts (int32, rows x cols) of observers that see each cell.

    row_coord/col_coord: cell-centre coordinates (radians if geographic); obs_scale: each
    observer's projection point scale factor (projected grids);
    obs_* : observer cells and eye elevations (m a.s.l.); half_rows/half_cols:
    each observer's window half-size in cells.
    """
    rows, cols = elev.shape
    n_obs = obs_rows.shape[0]
    planes = np.zeros((n_chunks, rows, cols), np.int32)
    for k in prange(n_chunks):
        for i in range(k, n_obs, n_chunks):
            r0 = obs_rows[i]
            c0 = obs_cols[i]
            ra = max(0, r0 - half_rows[i])
            rb = min(rows, r0 + half_rows[i] + 1)
            ca = max(0, c0 - half_cols[i])
            cb = min(cols, c0 + half_cols[i] + 1)
            wr = rb - ra
            wc = cb - ca
            row_y = np.empty(wr)
            row_xs = np.empty(wr)
            row_conv = np.empty(wr)
            col_x = np.empty(wc)
            if geographic:
                geographic_frame(row_coord[ra:rb], col_coord[ca:cb], row_coord[r0], col_coord[c0], a_m, e2,
                                 row_y, row_xs, col_x, row_conv)
            else:
                projected_frame(row_coord[ra:rb], col_coord[ca:cb], row_coord[r0], col_coord[c0], obs_scale[i],
                                row_y, row_xs, col_x, row_conv)
            e = np.ascontiguousarray(elev[ra:rb, ca:cb])
            v = np.ascontiguousarray(void[ra:rb, ca:cb])
            vis = np.zeros((wr, wc), np.uint8)
            mvh = np.empty((wr, wc), np.float32)
            fast_viewshed_serial(e, v, row_y, row_xs, col_x, r0 - ra, c0 - ca, obs_z0[i], target_m, inv_2reff,
                                 radius_m, margin_m, density, vis, mvh)
            for r in range(wr):
                for c in range(wc):
                    planes[k, ra + r, ca + c] += vis[r, c]
    return planes


@njit(cache=True, parallel=True)
def visible_area(
    elev, void, geographic, row_coord, col_coord, obs_scale, a_m, e2,
    obs_rows, obs_cols, obs_z0, half_rows, half_cols, cell_area_m2,
    target_m, inv_2reff, radius_m, margin_m, density,
):
    """Visible area (m^2, float64 per observer) within the radius: the total-viewshed measure.

    Same inputs as ``count_visible``; cell_area_m2 float64 (rows,). Each observer's
    sum is its own, so the result does not depend on the thread count.
    """
    rows, cols = elev.shape
    n_obs = obs_rows.shape[0]
    out = np.zeros(n_obs)
    for i in prange(n_obs):
        r0 = obs_rows[i]
        c0 = obs_cols[i]
        ra = max(0, r0 - half_rows[i])
        rb = min(rows, r0 + half_rows[i] + 1)
        ca = max(0, c0 - half_cols[i])
        cb = min(cols, c0 + half_cols[i] + 1)
        wr = rb - ra
        wc = cb - ca
        row_y = np.empty(wr)
        row_xs = np.empty(wr)
        row_conv = np.empty(wr)
        col_x = np.empty(wc)
        if geographic:
            geographic_frame(row_coord[ra:rb], col_coord[ca:cb], row_coord[r0], col_coord[c0], a_m, e2,
                             row_y, row_xs, col_x, row_conv)
        else:
            projected_frame(row_coord[ra:rb], col_coord[ca:cb], row_coord[r0], col_coord[c0], obs_scale[i],
                            row_y, row_xs, col_x, row_conv)
        e = np.ascontiguousarray(elev[ra:rb, ca:cb])
        v = np.ascontiguousarray(void[ra:rb, ca:cb])
        vis = np.zeros((wr, wc), np.uint8)
        mvh = np.empty((wr, wc), np.float32)
        fast_viewshed_serial(e, v, row_y, row_xs, col_x, r0 - ra, c0 - ca, obs_z0[i], target_m, inv_2reff,
                             radius_m, margin_m, density, vis, mvh)
        s = 0.0
        for r in range(wr):
            for c in range(wc):
                if vis[r, c]:
                    s += cell_area_m2[ra + r]
        out[i] = s
    return out
