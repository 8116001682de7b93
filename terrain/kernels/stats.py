"""Summaries of a visibility grid: area, per-azimuth horizon, farthest point."""

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True, error_model="numpy")
def _count_row(vis, void, y, xs, col_x, radius_m):
    """Visible, in-disc and void-in-disc cell counts of one row (branch-free, so it vectorises)."""
    n_vis = 0
    n_disc = 0
    n_void = 0
    for c in range(vis.shape[0]):
        x = xs * col_x[c]
        inside = math.sqrt(x * x + y * y) <= radius_m
        n_disc += inside
        n_void += inside & void[c]
        n_vis += inside & (vis[c] != 0) & ~void[c]
    return float(n_vis), float(n_disc), n_void


@njit(cache=True, parallel=True)
def summarize(vis, void, row_y, row_xs, col_x, row_conv, cell_area_m2, radius_m, n_bins, horizon_m):
    """Visible and disc area (m^2), void cells in the disc, and the farthest visible cell.

    vis uint8 (rows, cols); cell_area_m2 float64 (rows,); writes horizon_m
    float64 (n_bins,): farthest visible distance per azimuth bin (bin 0 centred
    on north, clockwise). Returns (visible_m2, disc_m2, n_void, far_row, far_col, far_m).
    Rows are summarised in parallel into per-row slots and reduced in row order,
    so the sums do not depend on the thread count.
    """
    rows, cols = vis.shape
    vis_row = np.zeros(rows)
    disc_row = np.zeros(rows)
    void_row = np.zeros(rows, np.int64)
    far_row_m = np.full(rows, -1.0)
    far_row_c = np.full(rows, -1, np.int64)
    hz_row = np.zeros((rows, n_bins))
    two_pi = 2.0 * math.pi
    for r in prange(rows):
        vis_row[r], disc_row[r], void_row[r] = _count_row(vis[r], void[r], row_y[r], row_xs[r], col_x, radius_m)
        vis_row[r] *= cell_area_m2[r]
        disc_row[r] *= cell_area_m2[r]
        if vis_row[r] == 0.0:
            continue
        y = row_y[r]
        for c in range(cols):
            if vis[r, c] == 0:
                continue
            x = row_xs[r] * col_x[c]
            d = math.sqrt(x * x + y * y)
            if d > radius_m or void[r, c]:
                continue
            if d > far_row_m[r]:
                far_row_m[r] = d
                far_row_c[r] = c
            if d > 0.0:
                az = (math.atan2(x, y) - row_conv[r] * col_x[c]) % two_pi
                b = int(math.floor(az / two_pi * n_bins + 0.5)) % n_bins
                if d > hz_row[r, b]:
                    hz_row[r, b] = d
    visible_m2 = 0.0
    disc_m2 = 0.0
    n_void = 0
    far_m = -1.0
    far_r = -1
    far_c = -1
    horizon_m[:] = 0.0
    for r in range(rows):
        visible_m2 += vis_row[r]
        disc_m2 += disc_row[r]
        n_void += void_row[r]
        if far_row_m[r] > far_m:
            far_m = far_row_m[r]
            far_r = r
            far_c = far_row_c[r]
        for b in range(n_bins):
            if hz_row[r, b] > horizon_m[b]:
                horizon_m[b] = hz_row[r, b]
    return visible_m2, disc_m2, n_void, far_r, far_c, far_m
