"""Fast viewshed: an R2 radial sweep with exact re-checks near the horizon.

Rays leave the observer towards every cell of the window's four sides
(``density`` rays per boundary cell). Each ray walks its major axis one
row/column at a time, sampling the terrain exactly as the R3 walk does, and
hands each cell it passes the running horizon of the samples before it; a
cell keeps the horizon of the ray passing closest to its centre (Franklin &
Ray 1994, "R2").

The ray nearest a cell crosses the same columns (rows) as the cell's own
sight line, at most ``delta`` cells beside it at the cell and proportionally
less closer in (the two lines meet at the observer). Terrain on a grid line is
linear between cells, so each sample differs by at most ``L * delta * i / j``
metres, where ``L`` is the largest elevation step between neighbouring cells
across the lines; at distance ``d_i = d * i / j`` that moves the horizon by at
most ``L * delta / d``. So whenever the target is more than ``L * delta``
metres (plus a small floor for second-order distance terms) above or below
the swept horizon, R2 and R3 agree; every other cell, and any cell no ray
reached, is settled with the exact R3 walk (``los.horizon_to``).

Each of the four sides owns a fixed wedge of cells (E/W: |dr| <= |dc|;
N/S: |dc| < |dr|), so the parallel sides never write the same cell and the
result does not depend on the thread count.
"""

import math

import numpy as np
from numba import njit, prange

from .geometry import distance_at, elevation_along, elevation_angle
from .los import NO_HORIZON, horizon_to, outside, settle_cell

UNSET = 255  # offset code of a cell no ray has reached
OFFSET_SCALE = 500.0  # offset (cells, <= 0.5) -> uint8 code


@njit(cache=True, nogil=True)
def _sweep_side(elev, void, row_y, row_xs, col_x, r0, c0, z0, inv_2reff, side, density, best, hor):
    """Walk every ray of one side (0 E, 1 W, 2 S, 3 N); write hor (float32) and best (uint8) of owned cells.

    The caller crops the grid to the radius, so rays simply run to the grid edge.
    """
    rows, cols = elev.shape
    major_is_col = side < 2
    sign = 1 if side % 2 == 0 else -1
    if major_is_col:
        n = cols - 1 - c0 if sign > 0 else c0
        minor0 = r0
        n_minor = rows
    else:
        n = rows - 1 - r0 if sign > 0 else r0
        minor0 = c0
        n_minor = cols
    if n <= 0:
        return
    n_rays = 2 * n * density + 1
    for k in range(n_rays):
        slope = (k - n * density) / (n * density)  # minor offset per major step, in [-1, 1]
        h = NO_HORIZON
        for j in range(1, n + 1):
            major = (c0 if major_is_col else r0) + sign * j
            minor = minor0 + slope * j
            if minor < -0.5 or minor > n_minor - 0.5:
                break
            if major_is_col:
                d = distance_at(row_y, row_xs, col_x, minor, float(major))
            else:
                d = distance_at(row_y, row_xs, col_x, float(major), minor)
            near = int(math.floor(minor + 0.5))
            dm = near - minor0
            owned = abs(dm) <= j if major_is_col else abs(dm) < j
            if owned and 0 <= near < n_minor:
                code = int(math.ceil(abs(minor - near) * OFFSET_SCALE))  # round up: keeps the bound safe
                if major_is_col:
                    rr, cc = near, major
                else:
                    rr, cc = major, near
                if code < best[rr, cc]:
                    best[rr, cc] = code
                    hor[rr, cc] = h
            z = elevation_along(elev, void, major_is_col, major, minor)
            if not math.isnan(z):
                a = elevation_angle(z, d, z0, inv_2reff)
                if a > h:
                    h = a


@njit(cache=True, nogil=True)
def _settle_row(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, step_col,
                step_row, r, best, vis, mvh):
    """Settle every cell of row r from its swept horizon (held in mvh), re-checking near-horizon cells.

    step_col / step_row: largest elevation step (m) between vertically / horizontally adjacent cells,
    the bound L for column-major / row-major sight lines.

    Returns the number of cells re-checked with the exact walk.
    """
    cols = elev.shape[1]
    n_exact = 0
    for c in range(cols):
        d = distance_at(row_y, row_xs, col_x, float(r), float(c))
        if outside(void, r, c, d, radius_m, vis, mvh):
            continue
        if r == r0 and c == c0:
            settle_cell(elev, r0, c0, z0, r, c, d, target_m, inv_2reff, NO_HORIZON, vis, mvh)
            continue
        h = mvh[r, c]
        if best[r, c] == UNSET:
            h = horizon_to(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff)
            n_exact += 1
        else:
            gap_m = (elevation_angle(elev[r, c] + target_m, d, z0, inv_2reff) - h) * d
            step = step_col if abs(c - c0) >= abs(r - r0) else step_row
            if abs(gap_m) <= margin_m + step * best[r, c] / OFFSET_SCALE:
                h = horizon_to(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff)
                n_exact += 1
        settle_cell(elev, r0, c0, z0, r, c, d, target_m, inv_2reff, h, vis, mvh)
    return n_exact


@njit(cache=True, nogil=True)
def max_steps(elev, void):
    """Largest |elevation step| (m) between vertically and between horizontally adjacent valid cells."""
    rows, cols = elev.shape
    sv = 0.0
    sh = 0.0
    for r in range(rows):
        for c in range(cols):
            if void[r, c]:
                continue
            if r + 1 < rows and not void[r + 1, c]:
                sv = max(sv, abs(elev[r + 1, c] - elev[r, c]))
            if c + 1 < cols and not void[r, c + 1]:
                sh = max(sh, abs(elev[r, c + 1] - elev[r, c]))
    return sv, sh


@njit(cache=True, parallel=True)
def fast_viewshed(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, density, vis, mvh):
    """Fast viewshed of cell (r0, c0), eye at z0 (m a.s.l.); same outputs as ``los.exact_viewshed``.

    elev float32 (rows, cols), void bool, frame arrays float64; writes vis uint8
    and mvh float32 in place. Returns the number of exactly re-checked cells.
    """
    rows, cols = elev.shape
    best = np.full((rows, cols), UNSET, np.uint8)
    step_col, step_row = max_steps(elev, void)
    for side in prange(4):
        _sweep_side(elev, void, row_y, row_xs, col_x, r0, c0, z0, inv_2reff, side, density, best, mvh)
    counts = np.zeros(rows, np.int64)
    for r in prange(rows):
        counts[r] = _settle_row(
            elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, step_col,
            step_row, r, best, vis, mvh
        )
    return counts.sum()


@njit(cache=True, nogil=True)
def fast_viewshed_serial(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, density, vis, mvh):
    """Single-threaded ``fast_viewshed`` (for callers that are already parallel)."""
    rows, cols = elev.shape
    best = np.full((rows, cols), UNSET, np.uint8)
    step_col, step_row = max_steps(elev, void)
    for side in range(4):
        _sweep_side(elev, void, row_y, row_xs, col_x, r0, c0, z0, inv_2reff, side, density, best, mvh)
    n = 0
    for r in range(rows):
        n += _settle_row(
            elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, step_col,
            step_row, r, best, vis, mvh
        )
    return n
