"""Exact sight lines (R3): every target cell gets its own walk from the observer.

The terrain along a sight line is sampled where the line crosses each column
(E-W dominant lines) or each row (N-S dominant) of cell centres, linearly
interpolated between the two cells either side (Franklin & Ray 1994, "R3").
A target is visible when the tangent of its elevation angle is >= every
sample's. Void cells never block (a sample touching one is skipped) and are
never visible.
"""

import math

import numpy as np
from numba import njit, prange

from .geometry import distance_at, elevation_angle

NO_HORIZON = -np.inf


@njit(cache=True, nogil=True)
def horizon_to(elev, void, row_y, row_xs, col_x, r0, c0, z0, r1, c1, inv_2reff):
    """Max elevation-angle tangent of the terrain strictly between (r0, c0) and (r1, c1).

    Returns -inf when there is no sample (adjacent cells) or every sample is void.
    """
    n = max(abs(r1 - r0), abs(c1 - c0))
    return horizon_over(elev, void, row_y, row_xs, col_x, r0, c0, z0, r1, c1, inv_2reff, 1, n - 1)


@njit(cache=True, nogil=True, inline="always")
def _walk_span(r0, c0, r1, c1, first, last):
    """A sight line's offsets (dr, dc, cells), its steps n (grid lines to the target) and the steps first..last
    clamped to its samples 1 .. n - 1."""
    dr = r1 - r0
    dc = c1 - c0
    n = max(abs(dr), abs(dc))
    return dr, dc, n, max(first, 1), min(last, n - 1)


@njit(cache=True, nogil=True)
def horizon_over(elev, void, row_y, row_xs, col_x, r0, c0, z0, r1, c1, inv_2reff, first, last):
    """``horizon_to`` over steps first..last only (grid lines crossed, counted from the observer; clamped to
    the line's 1 .. n - 1)."""
    dr, dc, n, first, last = _walk_span(r0, c0, r1, c1, first, last)
    best = NO_HORIZON
    if abs(dc) >= abs(dr):
        step = 1 if dc > 0 else -1
        for i in range(first, last + 1):
            c = c0 + step * i
            r = r0 + dr * (i / n)
            lo = int(math.floor(r))
            w = r - lo
            hi = lo + 1 if w > 0.0 else lo
            if void[lo, c] or void[hi, c]:
                continue
            z = elev[lo, c] * (1.0 - w) + elev[hi, c] * w
            y = row_y[lo] * (1.0 - w) + row_y[hi] * w
            x = (row_xs[lo] * (1.0 - w) + row_xs[hi] * w) * col_x[c]
            d = math.sqrt(x * x + y * y)
            a = (z - d * d * inv_2reff - z0) / d
            if a > best:
                best = a
    else:
        step = 1 if dr > 0 else -1
        for i in range(first, last + 1):
            r = r0 + step * i
            c = c0 + dc * (i / n)
            lo = int(math.floor(c))
            w = c - lo
            hi = lo + 1 if w > 0.0 else lo
            if void[r, lo] or void[r, hi]:
                continue
            z = elev[r, lo] * (1.0 - w) + elev[r, hi] * w
            x = row_xs[r] * (col_x[lo] * (1.0 - w) + col_x[hi] * w)
            y = row_y[r]
            d = math.sqrt(x * x + y * y)
            a = (z - d * d * inv_2reff - z0) / d
            if a > best:
                best = a
    return best


@njit(cache=True, nogil=True, error_model="numpy")
def horizon_over_linear(elev, r0, c0, z0, r1, c1, d1, inv_2reff, first, last):
    """``horizon_over`` on a projected grid (northing linear in the row index, one east scale), where the
    sample at step i lies i / n of the way to the target at distance d1 (m): the same samples and terrain,
    with the distance d1 i / n instead of each sample's own square root (equal to rounding) and no per-sample
    coordinate loads. Voids are left to their NaN (a NaN sample never lifts the horizon), as in the rays'
    fold. ~2.5x faster per sample."""
    dr, dc, n, first, last = _walk_span(r0, c0, r1, c1, first, last)
    best = NO_HORIZON
    major_is_col = abs(dc) >= abs(dr)
    step = (1 if dc > 0 else -1) if major_is_col else (1 if dr > 0 else -1)
    for i in range(first, last + 1):
        t = i / n
        minor = r0 + dr * t if major_is_col else c0 + dc * t  # fractional row (or column) of the sample
        lo = int(math.floor(minor))
        w = minor - lo
        hi = lo + 1 if w > 0.0 else lo
        q = (c0 if major_is_col else r0) + step * i
        if major_is_col:
            z = elev[lo, q] * (1.0 - w) + elev[hi, q] * w
        else:
            z = elev[q, lo] * (1.0 - w) + elev[q, hi] * w
        d = d1 * t
        a = (z - d * d * inv_2reff - z0) / d
        best = a if a > best else best
    return best


@njit(cache=True, nogil=True)
def outside(void, r, c, d, radius_m, vis, mvh):
    """Mark (r, c) not visible / NaN if it is beyond the radius or void; True if so."""
    if d > radius_m or void[r, c]:
        vis[r, c] = 0
        mvh[r, c] = np.nan
        return True
    return False


@njit(cache=True, nogil=True)
def settle_cell(elev, r0, c0, z0, r, c, d, target_m, inv_2reff, horizon, vis, mvh):
    """Write visibility and minimum visible height of in-radius cell (r, c) at distance d.

    vis uint8 (0/1), mvh float32: metres above ground a target needs to be seen
    (0 if the ground is visible). horizon: max terrain tangent before the cell.
    """
    if r == r0 and c == c0:
        vis[r, c] = 1
        mvh[r, c] = 0.0
        return
    ground = elev[r, c]
    if elevation_angle(ground + target_m, d, z0, inv_2reff) >= horizon:
        vis[r, c] = 1
    else:
        vis[r, c] = 0
    need = z0 + horizon * d + d * d * inv_2reff - ground  # height of the horizon line over the ground
    mvh[r, c] = max(need, 0.0) if horizon != NO_HORIZON else 0.0


@njit(cache=True, parallel=True)
def exact_viewshed(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, vis, mvh):
    """Exact (R3) viewshed of the observer at cell (r0, c0) with eye at z0 (m above sea level).

    elev float32 (rows, cols) m; void bool; frame arrays float64; writes vis uint8
    and mvh float32 (same shape) in place. Parallel over rows.
    """
    rows, cols = elev.shape
    for r in prange(rows):
        for c in range(cols):
            d = distance_at(row_y, row_xs, col_x, float(r), float(c))
            if outside(void, r, c, d, radius_m, vis, mvh):
                continue
            h = horizon_to(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff)
            settle_cell(elev, r0, c0, z0, r, c, d, target_m, inv_2reff, h, vis, mvh)
