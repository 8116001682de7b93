"""Many observers: cumulative viewshed (how many observers see each cell) and visible area per observer.

Parallel over observers; each observer runs the lockstep R2 kernel (``rays.lockstep_viewshed_serial``) on
its radius window only, so the cost grows with radius^2, not with the grid, its rays cast to the full radius
window as the single viewshed's: with ``certify`` its visibility is R3's (``kernels/certify.py``), else it is
the single viewshed's default "fast" method. Counts are summed from per-chunk planes and areas are per
observer, so any thread count gives the same numbers.
"""

import math

import numpy as np
from numba import njit, prange

from .geometry import geographic_frame, max_cell_m, projected_frame
from .rays import cast_extent, lockstep_viewshed_serial


@njit(cache=True, nogil=True)
def observer_visibility(elev, void, geographic, row_coord, col_coord, scale, a_m, e2, r0, c0, z0, half_r, half_c,
                        target_m, inv_2reff, radius_m, certify, unsure, walk_window):
    """Viewshed of one observer on its radius window: returns (row0, col0, vis uint8 window, row_y, row_xs,
    col_x), the last three the window's metric frame (a cell's distance is hypot(row_y, row_xs * col_x), m).

    row_coord/col_coord: cell-centre coordinates of the whole grid (radians if geographic); scale: the
    observer's projection point scale factor (projected grids); z0: eye elevation (m a.s.l.);
    half_r/half_c: window half-size in cells; certify: the lockstep kernel's mode (``certify.VISIBILITY``:
    R3's visibility; 0: the fast kernel's, with its unsure/walk_window settings).
    """
    rows, cols = elev.shape
    ra = max(0, r0 - half_r)
    rb = min(rows, r0 + half_r + 1)
    ca = max(0, c0 - half_c)
    cb = min(cols, c0 + half_c + 1)
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
        projected_frame(row_coord[ra:rb], col_coord[ca:cb], row_coord[r0], col_coord[c0], scale,
                        row_y, row_xs, col_x, row_conv)
    e = np.ascontiguousarray(elev[ra:rb, ca:cb])
    v = np.ascontiguousarray(void[ra:rb, ca:cb])
    vis = np.zeros((wr, wc), np.uint8)
    mvh = np.empty((0, 0), np.float32)  # visibility only
    rays_r = cast_extent(half_r, r0 - ra, wr)  # the full window's rays, as viewshed's
    rays_c = cast_extent(half_c, c0 - ca, wc)
    lockstep_viewshed_serial(e, v, row_y, row_xs, col_x, r0 - ra, c0 - ca, z0, target_m, inv_2reff, radius_m,
                             max_cell_m(row_y, row_xs, col_x), unsure, walk_window, vis, mvh, rays_r, rays_c, certify)
    return ra, ca, vis, row_y, row_xs, col_x


@njit(cache=True, parallel=True)
def count_visible(
    elev, void, geographic, row_coord, col_coord, obs_scale, a_m, e2,
    obs_rows, obs_cols, obs_z0, half_rows, half_cols,
    target_m, inv_2reff, radius_m, certify, unsure, walk_window, n_chunks,
):
    """Counts (int32 planes, n_chunks x rows x cols; sum them) of observers that see each cell.

    obs_* : observer cells, scale factors and eye elevations (m a.s.l.); see ``observer_visibility``.
    """
    rows, cols = elev.shape
    n_obs = obs_rows.shape[0]
    planes = np.zeros((n_chunks, rows, cols), np.int32)
    for k in prange(n_chunks):
        for i in range(k, n_obs, n_chunks):
            ra, ca, vis, _, _, _ = observer_visibility(
                elev, void, geographic, row_coord, col_coord, obs_scale[i], a_m, e2, obs_rows[i], obs_cols[i],
                obs_z0[i], half_rows[i], half_cols[i], target_m, inv_2reff, radius_m, certify, unsure,
                walk_window)
            wr, wc = vis.shape
            for r in range(wr):
                plane_row = planes[k, ra + r, ca:ca + wc]  # indexed from 0: vectorises (ca + c would not)
                vis_row = vis[r]
                for c in range(wc):
                    plane_row[c] += vis_row[c]
    return planes


@njit(cache=True, parallel=True)
def visible_area(
    elev, void, geographic, row_coord, col_coord, obs_scale, a_m, e2,
    obs_rows, obs_cols, obs_z0, half_rows, half_cols, cell_area_m2,
    target_m, inv_2reff, radii_m, certify, unsure, walk_window,
):
    """Visible area (m^2, float64 (observers, radii)) within each of radii_m (ascending; the viewshed runs
    once, to the largest): the total-viewshed measure.

    Same inputs as ``count_visible``; cell_area_m2 float64 (rows,).
    """
    n_obs = obs_rows.shape[0]
    n_rad = radii_m.shape[0]
    radius_m = radii_m[n_rad - 1]
    out = np.zeros((n_obs, n_rad))
    for i in prange(n_obs):
        ra, _, vis, row_y, row_xs, col_x = observer_visibility(
            elev, void, geographic, row_coord, col_coord, obs_scale[i], a_m, e2, obs_rows[i], obs_cols[i],
            obs_z0[i], half_rows[i], half_cols[i], target_m, inv_2reff, radius_m, certify, unsure,
            walk_window)
        wr, wc = vis.shape
        for r in range(wr):
            a = cell_area_m2[ra + r]
            if n_rad == 1:
                n_vis = 0
                for c in range(wc):  # branch-free: vectorises
                    n_vis += vis[r, c] != 0
                out[i, 0] += a * n_vis
                continue
            y2 = row_y[r] * row_y[r]
            for c in range(wc):
                if vis[r, c]:
                    x = row_xs[r] * col_x[c]
                    d = math.sqrt(x * x + y2)
                    j = 0
                    while j < n_rad - 1 and d > radii_m[j]:
                        j += 1
                    out[i, j] += a
        for j in range(1, n_rad):
            out[i, j] += out[i, j - 1]
    return out
