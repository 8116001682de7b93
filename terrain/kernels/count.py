"""Many observers: cumulative viewshed (how many observers see each cell) and visible area per observer.

Parallel over observers; each observer runs the serial fast kernel on its radius window only, so the
cost grows with radius^2, not with the grid. Counts are summed from per-chunk planes and areas are
per observer, so any thread count gives the same numbers.
"""

import numpy as np
from numba import njit, prange

from .geometry import geographic_frame, projected_frame
from .sweep import fast_viewshed_serial


@njit(cache=True, nogil=True)
def observer_visibility(elev, void, geographic, row_coord, col_coord, scale, a_m, e2, r0, c0, z0, half_r, half_c,
                        target_m, inv_2reff, radius_m, margin_m, density):
    """Fast viewshed of one observer on its radius window: returns (row0, col0, vis uint8 window).

    row_coord/col_coord: cell-centre coordinates of the whole grid (radians if geographic); scale: the
    observer's projection point scale factor (projected grids); z0: eye elevation (m a.s.l.);
    half_r/half_c: window half-size in cells.
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
    mvh = np.empty((wr, wc), np.float32)
    fast_viewshed_serial(e, v, row_y, row_xs, col_x, r0 - ra, c0 - ca, z0, target_m, inv_2reff,
                         radius_m, margin_m, density, vis, mvh)
    return ra, ca, vis


@njit(cache=True, parallel=True)
def count_visible(
    elev, void, geographic, row_coord, col_coord, obs_scale, a_m, e2,
    obs_rows, obs_cols, obs_z0, half_rows, half_cols,
    target_m, inv_2reff, radius_m, margin_m, density, n_chunks,
):
    """Counts (int32 planes, n_chunks x rows x cols; sum them) of observers that see each cell.

    obs_* : observer cells, scale factors and eye elevations (m a.s.l.); see ``observer_visibility``.
    """
    rows, cols = elev.shape
    n_obs = obs_rows.shape[0]
    planes = np.zeros((n_chunks, rows, cols), np.int32)
    for k in prange(n_chunks):
        for i in range(k, n_obs, n_chunks):
            ra, ca, vis = observer_visibility(
                elev, void, geographic, row_coord, col_coord, obs_scale[i], a_m, e2, obs_rows[i], obs_cols[i],
                obs_z0[i], half_rows[i], half_cols[i], target_m, inv_2reff, radius_m, margin_m, density)
            wr, wc = vis.shape
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

    Same inputs as ``count_visible``; cell_area_m2 float64 (rows,).
    """
    n_obs = obs_rows.shape[0]
    out = np.zeros(n_obs)
    for i in prange(n_obs):
        ra, _, vis = observer_visibility(
            elev, void, geographic, row_coord, col_coord, obs_scale[i], a_m, e2, obs_rows[i], obs_cols[i],
            obs_z0[i], half_rows[i], half_cols[i], target_m, inv_2reff, radius_m, margin_m, density)
        wr, wc = vis.shape
        s = 0.0
        for r in range(wr):
            for c in range(wc):
                if vis[r, c]:
                    s += cell_area_m2[ra + r]
        out[i] = s
    return out
