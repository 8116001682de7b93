"""Exact visibility from the lockstep rays: bounds on every cell's own sight line, and the few lines to walk.

A cell on grid line i with minor offset m lies between rays k and k + 1 of its octant (k / n <= m / i <=
(k + 1) / n). Its own sight line (the R3 line) crosses every earlier grid line j between the two rays'
samples there, which are at most j / n <= 1 cell apart. Terrain on a grid line is linear between cells, so
on that segment it is at most the largest (at least the smallest) of the two samples and of the one cell
centre that can lie between them; the distance lies between the two samples' distances (on a column of a
geographic grid, where the east scale shrinks poleward, within the scale's change over one row of them:
``distance_slack``). That bounds the sight line's tangent on line j from above (U_j) and below (L_j), for
every cell of the gap at once.

Each gap keeps the running max of both (gu, gl). A cell whose target tangent T is at or above gu is
visible in R3, one below gl is hidden. Otherwise only the lines with U_j > T can hide it, and every such
line has U_j > gl (T >= gl), so each gap keeps the lines whose U_j exceeded its gl at the time (gl only
grows; entries that fall to or below it are dropped when the list fills): the cell takes its own R3
sample on those lines only (``los.horizon_over``, the R3 arithmetic itself) and is hidden iff one is above
T. A gap whose list overflows falls back to the full R3 walk for its undecided cells. Bounds carry a
slack of SLACK (tangent units) for rounding, so the answer is R3's, not an approximation of it.

The same lists give every cell's horizon itself (for the minimum visible height): the line where the
cell's own sight line peaks has U_j > gl (its sample is at least every L_j), so it is kept, and the horizon
is the largest of the cell's own samples on the kept lines with U_j > gl (``settle_exact_all``).
"""

import math

import numpy as np
from numba import njit

from .geometry import elevation_angle
from .los import NO_HORIZON, horizon_over, horizon_to

CAP = 16  # lines kept per gap between two rays
VISIBILITY = 1  # certify modes of the lockstep kernel: R3's visibility only (mvh not written) ...
EVERYTHING = 2  # ... or R3's visibility and minimum visible height
SLACK = 1e-9  # tangent units added to every bound (1e-5 m at 10 km): far above float64 rounding


@njit(cache=True, nogil=True)
def gap_state(n):
    """Per-gap state for n + 1 rays: gu, gl (running bounds), lines and their U (n x CAP, and a spare
    column for ``fold_gaps``' branch-free appends), counts, overflow,
    a scratch line (n); and the rays' sample buffers (n + 1): terrain, the cell beside it, distance, and the
    cell before it (``fold_gaps``'s z, zv, d, lo)."""
    samples = np.empty((3, n + 1))
    return (np.full(n, NO_HORIZON), np.full(n, NO_HORIZON), np.empty((n, CAP + 1), np.int32), np.empty((n, CAP + 1)),
            np.zeros(n, np.int32), np.zeros(n, np.bool_), np.empty(n), samples[0], samples[1], samples[2],
            np.empty(n + 1, np.int64))


@njit(cache=True, nogil=True)
def distance_slack(row_xs):
    """Relative slack (>= 0) for the distance of a point between two samples on a column: twice the largest
    relative change of the east scale between adjacent rows (0 on projected grids). Along a column the
    distance need not be monotone (the east scale falls as the northing grows), but between two samples
    less than a row apart it stays within this fraction of theirs."""
    s = 0.0
    for i in range(row_xs.shape[0] - 1):
        s = max(s, abs(row_xs[i + 1] - row_xs[i]) / min(row_xs[i], row_xs[i + 1]))
    return 2.0 * s


@njit(cache=True, nogil=True, error_model="numpy")
def fold_gaps(k_last, z, zv, lo, d, eps_d, z0, inv_2reff, step, gu, gl, lines, ups, count, overflow, u):
    """Fold grid line ``step`` into gaps 0..k_last - 1 (gap k between rays k and k + 1).

    z, d: each ray's terrain sample (m, NaN on voids) and distance (m); lo: the cell before each sample; zv:
    the cell centre next to ray k's sample on the side of ray k + 1 (it lies between the two samples iff
    the two rays' cells differ); eps_d: relative distance slack (``distance_slack``); u: scratch (the
    line's upper bounds). The bounds are one branch-free pass (vectorised); the appends to the lists a
    second, also branch-free (a full list is compacted after it).
    """
    for k in range(k_last):
        za = z[k]
        zb = z[k + 1]
        zc = zv[k] if lo[k + 1] != lo[k] else za
        zmax = max(max(za, zb), zc)
        zmin = min(min(za, zb), zc)
        dlo = min(d[k], d[k + 1]) * (1.0 - eps_d)
        dhi = max(d[k], d[k + 1]) * (1.0 + eps_d)
        up = (zmax - z0) / (dlo if zmax >= z0 else dhi) - dlo * inv_2reff + SLACK
        lw = (zmin - z0) / (dhi if zmin >= z0 else dlo) - dhi * inv_2reff - SLACK
        s = za + zb + zc
        void = s != s  # a void: a sight line's own sample may fall anywhere, or be skipped
        up = math.inf if void else up
        lw = NO_HORIZON if void else lw
        g = max(gl[k], lw)
        gl[k] = g
        gu[k] = max(gu[k], up)
        u[k] = up
    full = False
    for k in range(k_last):  # append the line to every gap's list, counted only where kept: no branch per gap
        c = count[k]  # <= CAP: slot CAP is spare, where a full list's new line waits for _compact
        keep = (u[k] > gl[k]) & (not overflow[k])
        lines[k, c] = step
        ups[k, c] = u[k]
        count[k] = c + keep
        full |= c + keep > CAP
    if full:
        for k in range(k_last):
            if count[k] > CAP:
                _compact(k, gl[k], lines, ups, count, overflow)


@njit(cache=True, nogil=True)
def _compact(k, g, lines, ups, count, overflow):
    """Gap k's list holds CAP + 1 lines (the last just added, with U > g): drop those at or below g; if none
    goes, keep the first CAP and mark the gap overflowed (its cells then take the full R3 walk)."""
    c = 0
    for e in range(CAP + 1):
        if ups[k, e] > g:
            lines[k, c] = lines[k, e]
            ups[k, c] = ups[k, e]
            c += 1
    if c == CAP + 1:
        overflow[k] = True
        c = CAP
    count[k] = c


@njit(cache=True, nogil=True)
def _kept_horizon(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff, k, floor, stop, lines, ups, n_kept,
                  overflow):
    """Cell (r, c)'s horizon from its own R3 samples on gap k's kept lines with U > floor, or the full R3
    walk where the gap overflowed; it stops at the first sample above ``stop`` (then only known to be above)."""
    if overflow[k]:
        return horizon_to(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff)
    h = NO_HORIZON
    for e in range(n_kept[k]):
        if ups[k, e] > floor:
            s = lines[k, e]
            h = max(h, horizon_over(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff, s, s))
            if h > stop:
                break
    return h


@njit(cache=True, nogil=True, error_model="numpy")
def settle_exact(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, major_is_col, q, lo,
                 count, minor0, scale, n_gaps, ground, x, y, gu, gl, lines, ups, n_kept, overflow, tan, up, low, vis):
    """R3's visibility (vis 0/1) of a grid line's cells lo..lo + count - 1 (ground, x, y, vis indexed from 0;
    tan, up, low: scratch); returns how many needed their own samples on some lines.

    Three passes: each cell's gap bounds (gathered), the decisions they settle (branch-free), and the
    undecided cells' own samples on their gap's kept lines (the R3 arithmetic: ``los.horizon_over``).
    """
    for j in range(count):
        k = min(int(abs(lo + j - minor0) * scale), n_gaps - 1)
        up[j] = gu[k]
        low[j] = gl[k]
    undecided = 0
    for j in range(count):
        g = ground[j]
        d = math.sqrt(x[j] * x[j] + y[j] * y[j])
        t = elevation_angle(g + target_m, d, z0, inv_2reff)
        out = (d > radius_m) | (g != g)  # beyond the radius, or void (NaN)
        vis[j] = np.uint8((t >= up[j]) & (not out))
        open_ = (t < up[j]) & (t >= low[j]) & (not out)
        tan[j] = t if open_ else np.nan
        undecided += open_
    if undecided == 0:
        return 0
    for j in range(count):
        t = tan[j]
        if t != t:
            continue
        minor = lo + j
        k = min(int(abs(minor - minor0) * scale), n_gaps - 1)
        r, c = (minor, q) if major_is_col else (q, minor)
        # only lines with U > t can hide the cell, and one sample above t is enough
        h = _kept_horizon(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff, k, t, t, lines, ups,
                          n_kept, overflow)
        vis[j] = np.uint8(t >= h)
    return undecided


@njit(cache=True, nogil=True, error_model="numpy")
def settle_exact_all(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, major_is_col, q,
                     lo, count, minor0, scale, n_gaps, ground, x, y, gl, lines, ups, n_kept, overflow, vis, mvh):
    """R3's visibility and minimum visible height (mvh, m; NaN outside) of a grid line's cells lo..lo +
    count - 1: each cell's horizon from its own samples on its gap's kept lines with U > gl (the full walk
    where the gap overflowed), settled with R3's arithmetic (``los.settle_cell``). Returns how many cells
    took samples."""
    walked = 0
    for j in range(count):
        g = ground[j]
        d = math.sqrt(x[j] * x[j] + y[j] * y[j])
        if d > radius_m or g != g:
            vis[j] = 0
            mvh[j] = np.nan
            continue
        minor = lo + j
        k = min(int(abs(minor - minor0) * scale), n_gaps - 1)
        r, c = (minor, q) if major_is_col else (q, minor)
        h = _kept_horizon(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff, k, gl[k], math.inf, lines,
                          ups, n_kept, overflow)
        walked += n_kept[k] > 0
        vis[j] = np.uint8(elevation_angle(g + target_m, d, z0, inv_2reff) >= h)
        need = z0 + h * d + d * d * inv_2reff - g
        mvh[j] = max(need, 0.0) if h != NO_HORIZON else 0.0
    return walked
