"""Summaries of a visibility grid: area, per-azimuth horizon, farthest point."""

import math

from numba import njit


@njit(cache=True, nogil=True)
def summarize(vis, void, row_y, row_xs, col_x, row_conv, cell_area_m2, radius_m, n_bins, horizon_m):
    """Visible and disc area (m^2), void cells in the disc, and the farthest visible cell.

    vis uint8 (rows, cols); cell_area_m2 float64 (rows,); writes horizon_m
    float64 (n_bins,): farthest visible distance per azimuth bin (bin 0 centred
    on north, clockwise). Returns (visible_m2, disc_m2, n_void, far_row, far_col, far_m).
    """
    rows, cols = vis.shape
    visible_m2 = 0.0
    disc_m2 = 0.0
    n_void = 0
    far_m = -1.0
    far_r = -1
    far_c = -1
    horizon_m[:] = 0.0
    two_pi = 2.0 * math.pi
    for r in range(rows):
        for c in range(cols):
            y = row_y[r]
            x = row_xs[r] * col_x[c]
            d = math.sqrt(x * x + y * y)
            if d > radius_m:
                continue
            disc_m2 += cell_area_m2[r]
            if void[r, c]:
                n_void += 1
                continue
            if vis[r, c] == 0:
                continue
            visible_m2 += cell_area_m2[r]
            if d > far_m:
                far_m = d
                far_r = r
                far_c = c
            if d > 0.0:
                az = math.atan2(x, y) - row_conv[r] * col_x[c]
                az = az % two_pi
                b = int(math.floor(az / two_pi * n_bins + 0.5)) % n_bins
                if d > horizon_m[b]:
                    horizon_m[b] = d
    return visible_m2, disc_m2, n_void, far_r, far_c, far_m
