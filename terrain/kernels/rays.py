"""Fast default viewshed: R2 with every ray of an octant advancing in lockstep.

R2 (Franklin & Ray 1994): rays leave the observer towards every cell of the
window's edge; each ray walks its major axis one grid line at a time, sampling
the terrain exactly as the R3 walk does (linear between the two cells either
side, curvature and refraction included), and each cell takes the running
horizon of the ray passing closest to it.

Here the rays of one octant all cross the same grid line at the same step, so
the kernel advances them together: at step i it first settles the octant's
cells on line i from the horizons so far, then folds line i's samples into
every ray's horizon. Both inner loops run over contiguous ray and cell
indices without branches that depend on the terrain, so LLVM vectorises them.

Octant (side, half): side 0 E, 1 W (major axis = columns), 2 S, 3 N (rows);
half +1 / -1 takes minor offsets m >= 0 / m < 0. E/W own |m| <= i, S/N own
|m| < i, so the octants never write the same cell and the result does not
depend on the thread count. Ray k of an octant with n steps to the window edge
has minor slope k / n, so adjacent rays are i / n <= 1 cell apart on line i and
the nearest ray passes within half a cell of every cell.

A cell's horizon is interpolated between the two rays either side of it
(its own sight line lies between them). Where those two horizons differ by
more than the cell's margin to the horizon (times ``unsure``), the cell walks
its own sight line exactly as R3 does, but only over the grid lines within
``window`` of the lines where each of the two rays met its horizon: the two
rays and the sight line cross every grid line less than a cell apart, so the
sight line's own horizon is almost always where theirs is (the full walk
would cost up to radius / cell steps; this one 2 x (2 window + 1)). This is a
heuristic, not a proof: the result is an approximation to R3 whose agreement
with the exact kernel is measured in tests and in ``benchmarks/``. With
``certify`` the same rays give R3's answer instead (``kernels/certify.py``).
"""

import math

import numpy as np
from numba import njit

from ..threads import run_all
from .certify import EVERYTHING, distance_slack, fold_gaps, gap_state, settle_exact, settle_exact_all
from .geometry import elevation_angle
from .los import NO_HORIZON, horizon_over, horizon_over_linear
from .prefetch import prefetch_read, prefetch_write

BLOCK = 64  # columns an E/W octant loads, settles and writes back together (fewer pages touched per cell)
AHEAD = 8  # rows ahead that a block's copy prefetches (each row is another page; 16 was slower than none)
UNSURE = 2  # vis code of a cell the rays either side disagree about; settled by its own windowed walk


# error_model="numpy": float division without Python's zero check, so LLVM can vectorise the arithmetic passes.
# Indexed loads (the cells either side of each sample, the nearest ray of each cell, a column's strided cells)
# are gathered by short scalar passes into buffers first: LLVM does not emit vector gathers on every CPU, and
# the arithmetic passes then run on contiguous buffers.


@njit(cache=True, nogil=True, error_model="numpy")
def _settle_walked(g, h, x, y, z0, target_m, inv_2reff, radius_m):
    """(vis 0/1, minimum visible height m) of a cell whose own sight line gave its horizon h (tangent): ground
    g (m, NaN on a void) at (x, y) (m, east and north of the observer), decided as R3 decides it."""
    d = math.sqrt(x * x + y * y)
    out = (d > radius_m) | (g != g)  # g != g: void (NaN)
    seen = (elevation_angle(g + target_m, d, z0, inv_2reff) >= h) & (not out)
    return np.uint8(seen), _height_needed(g, h, d, d * d * inv_2reff, z0, out)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _height_needed(g, h, d, drop, z0, out):
    """Minimum visible height (m above ground g, float32; NaN where ``out``) of a cell at distance d (m, curvature
    drop m) under horizon h (tangent) from the eye at z0."""
    need = max(z0 + h * d + drop - g, 0.0)  # h = -inf (no horizon): -inf -> 0
    return np.float32(np.nan) if out else np.float32(need)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _decide(g, h, spread, x, y, z0, target_m, inv_2reff, radius_m, unsure):
    """(vis code, distance m, curvature drop m, beyond the radius or void) of one cell (see ``_settle``), with
    the gap to the horizon scaled by the distance (g + target - drop - z0 - h d against unsure x spread x d):
    no division."""
    d = math.sqrt(x * x + y * y)
    drop = d * d * inv_2reff
    out = (d > radius_m) | (g != g)  # g != g: void (NaN)
    lift = g + target_m - drop - z0 - h * d  # h = -inf (no horizon): +inf
    doubt = (abs(lift) <= unsure * spread * d) & (not out)
    code = np.uint8(UNSURE) if doubt else np.uint8((lift >= 0.0) & (not out))
    return code, d, drop, out


@njit(cache=True, nogil=True, error_model="numpy")
def _settle(count, ground, hnear, spread, x, y, z0, target_m, inv_2reff, radius_m, unsure, heights, vis, mvh):
    """Visibility (vis 0/1, or UNSURE) and, if ``heights``, minimum visible height (mvh m; NaN beyond the
    radius or on voids) of count cells.

    ground, x, y (m, east and north of the observer), hnear (horizon between the rays either side) and spread
    (how far those two rays' horizons differ) are per cell; vis and mvh may be grid slices. A cell whose target
    is within unsure x spread of the horizon (tangents) is marked UNSURE: its own sight line may fall either
    side. Returns how many cells are UNSURE.
    """
    n_unsure = 0
    if not heights:  # visibility only: no heights pass, nothing written to mvh
        for j in range(count):
            code, _, _, _ = _decide(ground[j], hnear[j], spread[j], x[j], y[j], z0, target_m, inv_2reff,
                                    radius_m, unsure)
            vis[j] = code
            n_unsure += code == UNSURE
        return n_unsure
    for j in range(count):
        g = ground[j]
        h = hnear[j]
        code, d, drop, out = _decide(g, h, spread[j], x[j], y[j], z0, target_m, inv_2reff, radius_m, unsure)
        vis[j] = code
        mvh[j] = _height_needed(g, h, d, drop, z0, out)
        n_unsure += code == UNSURE
    return n_unsure


@njit(cache=True, nogil=True, error_model="numpy")
def _between_all(count, hray, lo, minor0, scale, h, spread, u, ib):
    """Horizon of a grid line's cells lo..lo + count - 1 (into h), linear between the two rays either side
    of each (the ray at fractional index |minor - minor0| x scale), and those rays' spread |h1 - h0| (0 on
    a ray); h, spread, u float32 (as hray), ib: scratch.

    The cell's own sight line lies between the two rays, so where the horizon varies smoothly across rays
    this is second-order accurate (the nearest ray alone is first order); a ray with no horizon yet (-inf)
    leaves the other's, with an infinite spread. Three passes: positions and the branch-free blend
    vectorise (float32: twice the lanes of float64; the blend of two float32 tangents rounds at ~6e-8 of a
    tangent, ~0.1 mm of height at 50 km), the loads of the two rays' horizons between them do not.
    """
    last = hray.shape[0] - 1
    for j in range(count):
        pos = min(abs(lo + j - minor0) * scale, last * 1.0)  # m * n / i may round past the last ray
        k = np.int32(pos)
        ib[j] = k
        u[j] = np.float32(pos - k)
    for j in range(count):
        k = np.uint64(ib[j])  # unsigned: no negative-index wraparound per load
        h[j] = hray[k]
        spread[j] = hray[min(k + np.uint64(1), np.uint64(last))]
    zero = np.float32(0.0)
    for j in range(count):
        h0 = h[j]
        h1 = spread[j]
        w = u[j]
        none = (h0 == NO_HORIZON) | (h1 == NO_HORIZON)
        on_ray = w == zero
        h[j] = h0 if on_ray else (max(h0, h1) if none else h0 + (h1 - h0) * w)
        spread[j] = zero if on_ray else ((np.float32(np.inf) if h0 != h1 else zero) if none else abs(h1 - h0))


@njit(cache=True, nogil=True)
def _clear_beyond(vis, mvh, a, n_in, heights):
    """A grid line's cells outside a .. a + n_in - 1 (beyond the rays' stop distance, so beyond the radius):
    not visible (vis 0) and, if ``heights``, no height (NaN), as ``_settle`` would decide them."""
    vis[:a] = 0
    vis[a + n_in:] = 0
    if heights:
        mvh[:a] = np.nan
        mvh[a + n_in:] = np.nan


@njit(cache=True, nogil=True)
def _settled_cells(certify, hs, count, n_in):
    """(a, n_set): the cells a .. a + n_set - 1 of a grid line's slice of count cells that the octant settles:
    all of them (certify), or the n_in within stop_m, which are the slice's first (hs +1) or last (hs -1);
    the others are beyond the radius (``_clear_beyond``)."""
    if certify:
        return 0, count
    return (0 if hs > 0 else count - n_in), n_in


@njit(cache=True, nogil=True)
def _cells_within(row_y, row_xs, col_x, major_is_col, q, minor0, hs, m_first, m_last, stop_m):
    """How many of cells m_first..m_last of grid line q lie within stop_m (m); distance grows away from the axis."""
    lo = m_first
    hi = m_last + 1
    while lo < hi:  # first m beyond stop_m
        mid = (lo + hi) // 2
        minor = minor0 + hs * mid
        if major_is_col:
            x = row_xs[minor] * col_x[q]
            y = row_y[minor]
        else:
            x = row_xs[q] * col_x[minor]
            y = row_y[q]
        if x * x + y * y <= stop_m * stop_m:
            lo = mid + 1
        else:
            hi = mid
    return lo - m_first


@njit(cache=True, nogil=True)
def _rays_needed(n_in, m_first, i, n):
    """Highest ray index a line's n_in cells within stop_m can need (-1: none, the octant's rays are done)."""
    if n_in == 0:
        return -1
    return min(n, int(math.ceil((m_first + n_in) * n / i)))


@njit(cache=True, nogil=True)
def _clamped_sample(line, minor0, hs, k, t):
    """Where ray k crosses a grid line (elevations ``line``; step fraction t = i / n), clamped to the grid:
    (position, index of the cell before it, that cell's and the next one's elevation, weight of the next)."""
    pos, lo = _clamped_position(line.shape[0], minor0, hs, k, t)
    return pos, lo, line[lo], line[lo + 1], pos - lo


@njit(cache=True, nogil=True)
def _clamped_position(size, minor0, hs, k, t):
    """Where ray k crosses a grid line of ``size`` cells (step fraction t = i / n), clamped to the line:
    (position, index of the cell before it, at most size - 2)."""
    pos = min(max(minor0 + hs * (k * t), 0.0), size - 1.0)
    return pos, min(int(pos), size - 2)


@njit(cache=True, nogil=True)
def _gather_row(line, row_y, row_xs, col_x, q, minor0, hs, k0, k_last, t, e0, e1, wb, x, y):
    """Cells either side of where rays k0..k_last cross row q (elevations ``line``; step fraction t = i / n),
    the weight of the second, and each sample's east and north offsets (m) (buffer index k - k0); samples past
    the grid edge are clamped to it. Column coordinates are linear in the index."""
    dcx = col_x[1] - col_x[0]
    for k in range(k0, k_last + 1):
        j = k - k0
        pos, _, e0[j], e1[j], wb[j] = _clamped_sample(line, minor0, hs, k, t)
        x[j] = row_xs[q] * (col_x[0] + pos * dcx)
        y[j] = row_y[q]


@njit(cache=True, nogil=True)
def _gather_col(line, row_y, row_xs, linear_rows, x_q, minor0, hs, k0, k_last, t, e0, e1, wb, x, y):
    """``_gather_row`` for a column (elevations ``line``, column coordinate x_q), with the rows' northing and
    east scale linear between the rows (computed directly when ``linear_rows``: northing linear in the row
    index and one east scale, as on every projected grid)."""
    dy = row_y[1] - row_y[0]
    for k in range(k0, k_last + 1):
        j = k - k0
        pos, lo, e0[j], e1[j], w = _clamped_sample(line, minor0, hs, k, t)
        wb[j] = w
        if linear_rows:
            y[j] = row_y[0] + pos * dy
            x[j] = row_xs[0] * x_q
        else:
            y[j] = row_y[lo] * (1.0 - w) + row_y[lo + 1] * w
            x[j] = (row_xs[lo] * (1.0 - w) + row_xs[lo + 1] * w) * x_q


@njit(cache=True, nogil=True)
def _linear_rows(row_y, row_xs):
    """True if the northing is linear in the row index and the east scale is one number (to 1e-12 relative)."""
    n = row_y.shape[0]
    dy = row_y[1] - row_y[0]
    tol = 1e-12 * (abs(row_y[0]) + abs(row_y[n - 1]) + abs(dy))
    for i in range(n):
        if abs(row_y[i] - (row_y[0] + i * dy)) > tol or row_xs[i] != row_xs[0]:
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _fold(k0, k_last, e0, e1, wb, x, y, z0, inv_2reff, hray, hstep, step):
    """Fold grid line ``step``'s gathered samples (buffer index k - k0) into rays k0..k_last's running horizons
    (max tangent, hray float32) and the step where each was met (hstep).

    Terrain is linear between the two cells either side (as in R3); a sample on a cell (w = 0) uses that
    cell alone, and a void (NaN) never lifts a horizon.
    """
    for k in range(k0, k_last + 1):
        j = k - k0
        w = wb[j]
        z = e0[j] * (1.0 - w) + e1[j] * w if w > 0.0 else e0[j] * 1.0
        d = math.sqrt(x[j] * x[j] + y[j] * y[j])
        a = (z - d * d * inv_2reff - z0) / d
        h = hray[k]
        up = a > h
        hray[k] = a if up else h
        hstep[k] = np.int32(step) if up else hstep[k]


@njit(cache=True, nogil=True, error_model="numpy")
def _gather_z(line, minor0, hs, k_last, t, z, wt, ib):
    """Terrain (m) where rays 0..k_last cross a grid line (elevations ``line``; step fraction t = i / n; every
    sample inside the grid), linear between the two cells either side (a sample on a cell uses that cell
    alone, so a void neighbour does not leak in); z, wt float32, ib: scratch. The positions are one
    vectorised pass, the loads a scalar one."""
    lo_max = line.shape[0] - 2
    for k in range(k_last + 1):
        pos = minor0 + hs * (k * t)
        lo = min(np.int32(pos), lo_max)
        ib[k] = lo
        wt[k] = np.float32(pos - lo)
    one = np.float32(1.0)
    for k in range(k_last + 1):
        lo = np.uint64(ib[k])  # unsigned: no negative-index wraparound per load
        w = wt[k]
        e0 = line[lo]
        e1 = line[lo + np.uint64(1)]
        z[k] = e0 * (one - w) + e1 * w if w > np.float32(0.0) else e0


@njit(cache=True, nogil=True, error_model="numpy")
def _fold_linear(k_last, z, inv_len, len_2reff, step, z0, hray, hstep):
    """``_fold`` on a grid whose rays have constant step lengths: ray k's sample on grid line ``step`` lies
    step x len_k from the observer, so its tangent is (z - z0) / (step len_k) - step len_k / (2 r_eff)
    (inv_len = 1 / len_k, len_2reff = len_k / (2 r_eff)), with no square root or division per sample.
    Float32 throughout (z, inv_len, len_2reff, hray): twice the vector width; tangents to ~6e-8, a few mm
    of height at 50 km."""
    inv_step = np.float32(1.0 / step)
    z0f = np.float32(z0)
    stepf = np.float32(step)
    for k in range(k_last + 1):
        a = (z[k] - z0f) * (inv_len[k] * inv_step) - stepf * len_2reff[k]
        h = hray[k]
        up = a > h
        hray[k] = a if up else h
        hstep[k] = np.int32(step) if up else hstep[k]


@njit(cache=True, nogil=True)
def _ray_steps(n, dmaj_m, dmin_m, inv_2reff):
    """Step lengths of rays k = 0..n (minor slope k / n) on a grid with steps of dmaj_m along the major axis
    and dmin_m along the minor one (m): 1 / len_k and len_k / (2 r_eff) in float32 (``_fold_linear``), and
    len_k (m, as 1 / (1 / len_k): ``_gather_certified``)."""
    inv_len = np.empty(n + 1, np.float32)
    len_2reff = np.empty(n + 1, np.float32)
    lens = np.empty(n + 1)
    for k in range(n + 1):
        m = dmin_m * k / n
        length = math.sqrt(dmaj_m * dmaj_m + m * m)
        inv = 1.0 / length
        inv_len[k] = inv
        len_2reff[k] = length * inv_2reff
        lens[k] = 1.0 / inv
    return inv_len, len_2reff, lens


@njit(cache=True, nogil=True)
def _gather_certified(line, row_y, row_xs, col_x, major_is_col, linear_rows, q, x_q, minor0, hs, k_lin, k_last, t,
                      step, lens, z, zv, lo_k, d, e0, e1, wb, x, y):
    """Rays 0..k_last's samples on grid line ``step`` (row or column q, elevations ``line``; step fraction
    t = step / n) for the exact mode (``certify``): terrain z (as ``_fold`` takes it), the cell before each
    sample (lo_k) and the one beside it towards the next ray (zv), and the distance d (m); samples past the
    grid edge are clamped to it. Rays 0..k_lin are inside the grid on a grid with constant ray steps (lens,
    m): d = step x lens; the others take their offsets from ``_gather_row`` / ``_gather_col`` (column
    coordinate x_q), with e0, e1, wb, x, y as their scratch."""
    for k in range(k_last + 1):  # positions and weights, one vectorised pass (wb: scratch)
        pos, lo = _clamped_position(line.shape[0], minor0, hs, k, t)
        lo_k[k] = lo
        wb[k] = pos - lo
    for k in range(k_last + 1):  # the loads, a scalar pass with unsigned indices
        lo = np.uint64(lo_k[k])
        a = line[lo]
        b = line[lo + np.uint64(1)]
        w = wb[k]
        z[k] = a * (1.0 - w) + b * w if w > 0.0 else a * 1.0
        zv[k] = b if hs > 0 else a
    for k in range(k_lin + 1):
        d[k] = step * lens[k]
    if k_lin >= k_last:
        return
    if major_is_col:
        _gather_col(line, row_y, row_xs, linear_rows, x_q, minor0, hs, k_lin + 1, k_last, t, e0, e1, wb, x, y)
    else:
        _gather_row(line, row_y, row_xs, col_x, q, minor0, hs, k_lin + 1, k_last, t, e0, e1, wb, x, y)
    for k in range(k_lin + 1, k_last + 1):
        j = k - k_lin - 1
        d[k] = math.sqrt(x[j] * x[j] + y[j] * y[j])


@njit(cache=True, nogil=True)
def _walk(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, d, inv_2reff, linear, first, last):
    """Horizon (tangent) of cell (r, c), at distance d (m), from its own sight line's samples on steps
    first..last: ``los.horizon_over_linear`` on a projected grid (``linear``), else ``los.horizon_over``."""
    if linear:
        return horizon_over_linear(elev, r0, c0, z0, r, c, d, inv_2reff, first, last)
    return horizon_over(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff, first, last)


@njit(cache=True, nogil=True)
def _settle_unsure(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, major_is_col, q,
                   lo, count, minor0, scale, hstep, window, linear, ground, x, y, vis, mvh):
    """Settle the UNSURE cells among a grid line's cells lo..lo + count - 1 (ground, x, y, vis, mvh indexed
    from 0) from their own sight line's samples on the grid lines within ``window`` of the lines where the
    two rays either side (around ray |minor - minor0| x scale) met their horizons; one walk where the two
    windows overlap (``linear``: a projected grid, see ``_walk``). Returns how many there were."""
    last = hstep.shape[0] - 1
    n_unsure = 0
    for j in range(count):
        if vis[j] != UNSURE:
            continue
        minor = lo + j
        r, c = (minor, q) if major_is_col else (q, minor)
        k = min(int(abs(minor - minor0) * scale), last)
        sa = min(hstep[k], hstep[min(k + 1, last)])
        sb = max(hstep[k], hstep[min(k + 1, last)])
        d = math.sqrt(x[j] * x[j] + y[j] * y[j])
        if sb - sa <= 2 * window + 1:
            h = _walk(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, d, inv_2reff, linear, sa - window,
                      sb + window)
        else:
            h = max(_walk(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, d, inv_2reff, linear, sa - window,
                          sa + window),
                    _walk(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, d, inv_2reff, linear, sb - window,
                          sb + window))
        vis[j], mvh[j] = _settle_walked(ground[j], h, x[j], y[j], z0, target_m, inv_2reff, radius_m)
        n_unsure += 1
    return n_unsure


@njit(cache=True, nogil=True)
def _scratch32(size):
    """An octant's float32 scratch lines of ``size``: the rays' terrain and weights (``_gather_z``; the weights
    line is also ``_between_all``'s cell weights, read before the rays are gathered) and the cells' horizons
    and spreads (``_between_all``, ``_settle``)."""
    lines = np.empty((4, size), np.float32)
    return lines[0], lines[1], lines[2], lines[3]


@njit(cache=True, nogil=True)
def _octant_rows(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m, unsure,
                 window, sign, hs, n_rays, certify, vis, mvh):
    """Lockstep R2 over an S (sign +1) or N (-1) octant, one row per step; cells m >= 0 (hs +1) or m < 0 (-1).
    Rays have minor slopes k / n with n = max(n_rays, rows to the grid's edge). Returns how many cells were
    UNSURE."""
    rows, cols = elev.shape
    n_steps = rows - 1 - r0 if sign > 0 else r0
    n = max(n_rays, n_steps)
    extent = cols - 1 - c0 if hs > 0 else c0
    if n_steps <= 0 or cols < 2:
        return 0
    hray = np.full(n + 1, NO_HORIZON, np.float32)
    hstep = np.zeros(n + 1, np.int32)
    n_unsure = 0
    heights = mvh.shape[0] > 0  # an empty mvh: visibility only (re-walked cells' heights go to a scratch line)
    mscratch = np.empty(cols, np.float32)
    bufs = np.empty((5, max(n, cols) + 1))
    e0, e1, wb, x, y = bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]
    ib = np.empty(bufs.shape[1], np.int32)
    gu, gl, lines, ups, kept, over, ubuf, zc, zvc, dc, loc = gap_state(n if certify else 1)
    linear = _linear_rows(row_y, row_xs)
    inv_len, len_2reff, lens = _ray_steps(n, row_y[1] - row_y[0], row_xs[0] * (col_x[1] - col_x[0]), inv_2reff)
    z32, w32, hb, sb = _scratch32(bufs.shape[1])
    m_first = 0 if hs > 0 else 1
    k_last = n  # a row without cells of this octant (m < 0, step 1) still feeds every ray
    for i in range(1, n_steps + 1):
        q = r0 + sign * i
        m_last = min(i - 1, extent)
        count = m_last - m_first + 1
        if count > 0:
            lo = c0 + m_first if hs > 0 else c0 - m_last  # the line's cells are columns lo .. lo + count - 1
            scale = n / i
            mline = mvh[q, lo:lo + count] if heights else mscratch[:count]
            n_in = 0 if k_last < 0 else _cells_within(row_y, row_xs, col_x, False, q, c0, hs, m_first, m_last, stop_m)
            a, n_set = _settled_cells(certify, hs, count, n_in)
            cx_line = col_x[lo + a:lo + a + n_set]  # slices indexed from 0: no wraparound check per cell
            for j in range(n_set):
                x[a + j] = row_xs[q] * cx_line[j]
                y[a + j] = row_y[q]
            if certify == EVERYTHING:
                n_unsure += settle_exact_all(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff,
                                             radius_m, False, q, lo, count, c0, scale, n, elev[q, lo:lo + count], x,
                                             y, gl, lines, ups, kept, over, vis[q, lo:lo + count], mline)
            elif certify:
                n_unsure += settle_exact(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m,
                                         False, q, lo, count, c0, scale, n, elev[q, lo:lo + count], x, y, gu, gl,
                                         lines, ups, kept, over, e0, e1, wb, vis[q, lo:lo + count])
            else:
                _clear_beyond(vis[q, lo:lo + count], mline, a, n_in, heights)
                la = lo + a
                _between_all(n_in, hray, la, c0, scale, hb, sb, w32, ib)
                if _settle(n_in, elev[q, la:la + n_in], hb, sb, x[a:], y[a:], z0, target_m, inv_2reff, radius_m,
                           unsure, heights, vis[q, la:la + n_in], mline[a:]):
                    n_unsure += _settle_unsure(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff,
                                               radius_m, False, q, la, n_in, c0, scale, hstep, window, linear,
                                               elev[q, la:la + n_in], x[a:], y[a:], vis[q, la:la + n_in], mline[a:])
            if k_last >= 0:
                k_last = _rays_needed(n_in, m_first, i, n)
        if k_last < 0:
            continue
        k_in = min(k_last, extent * n // i)  # rays whose sample on this line is inside the grid
        k_use = min(k_last, k_in + 1)  # no cell on this line or beyond is between rays past k_in + 1
        if certify:
            k_lin = k_in if linear else -1
            _gather_certified(elev[q], row_y, row_xs, col_x, False, True, q, 0.0, c0, hs, k_lin, k_use, i / n, i,
                              lens, zc, zvc, loc, dc, e0, e1, wb, x, y)
            fold_gaps(k_use, zc, zvc, loc, dc, 0.0, z0, inv_2reff, i, gu, gl, lines, ups, kept, over, ubuf)
            continue
        if linear:
            _gather_z(elev[q], c0, hs, k_in, i / n, z32, w32, ib)
            _fold_linear(k_in, z32, inv_len, len_2reff, i, z0, hray, hstep)
            k_first = k_in + 1
        else:
            k_first = 0
        if k_first <= k_use:
            _gather_row(elev[q], row_y, row_xs, col_x, q, c0, hs, k_first, k_use, i / n, e0, e1, wb, x, y)
            _fold(k_first, k_use, e0, e1, wb, x, y, z0, inv_2reff, hray, hstep, i)
    return n_unsure


@njit(cache=True, nogil=True)
def _load_block(elev, q_first, sign, nb, r_lo, r_hi, eb):
    """Copy columns q_first, q_first + sign, ... (nb of them), rows r_lo..r_hi, into the rows of eb, with the
    row AHEAD rows on prefetched (a cache line per 16 cells, and the block's last)."""
    c_lo = min(q_first, q_first + sign * (nb - 1))
    c_hi = max(q_first, q_first + sign * (nb - 1))
    for r in range(r_lo, r_hi + 1):
        ahead = min(r + AHEAD, r_hi)
        for c in range(c_lo, c_hi + 1, 16):
            prefetch_read(elev, ahead, c)
        prefetch_read(elev, ahead, c_hi)
        ru = np.uint64(r)  # unsigned indices: no wraparound checks
        for b in range(nb):
            eb[np.uint64(b), ru] = elev[ru, np.uint64(q_first + sign * b)]


@njit(cache=True, nogil=True)
def _block_reach(k_last, i_last, n):
    """Rows from the observer's (m) a fast E/W block whose last step is i_last can read, where rays 0..k_last
    (of n) are still needed: ray k samples line i at m = k i / n (and the cell after it), and the cells a
    line settles (those within stop_m) lie below the samples of the rays they need; 3 spare. 0 if none."""
    if k_last < 0:
        return 0
    return (k_last * i_last) // n + 3


@njit(cache=True, nogil=True)
def _store_block(vb, mb, q_first, sign, nb, i_first, r0, hs, m_first, extent, heights, vis, mvh):
    """Write a block's settled columns back to the grid (mvh only if ``heights``): column b (step
    i_first + b) owns the rows r0 + hs m, m_first <= m <= min(step, extent). The visibility row AHEAD rows on
    (and heights) is prefetched for writing."""
    m_last = min(i_first + nb - 1, extent)
    c_lo = min(q_first, q_first + sign * (nb - 1))
    c_hi = max(q_first, q_first + sign * (nb - 1))
    for m in range(m_first, m_last + 1):
        ahead = r0 + hs * min(m + AHEAD, m_last)
        prefetch_write(vis, ahead, c_lo)
        prefetch_write(vis, ahead, c_hi)
        if heights:
            for c in range(c_lo, c_hi + 1, 16):
                prefetch_write(mvh, ahead, c)
            prefetch_write(mvh, ahead, c_hi)
        r = np.uint64(r0 + hs * m)  # unsigned indices: no wraparound checks
        for b in range(max(0, m - i_first), nb):
            vis[r, np.uint64(q_first + sign * b)] = vb[np.uint64(b), r]
        if heights:
            for b in range(max(0, m - i_first), nb):
                mvh[r, np.uint64(q_first + sign * b)] = mb[np.uint64(b), r]


@njit(cache=True, nogil=True)
def _octant_cols(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m, unsure,
                 window, sign, hs, n_rays, certify, vis, mvh):
    """Lockstep R2 over an E (sign +1) or W (-1) octant, one column per step; cells m >= 0 (hs +1) or m < 0 (-1).

    A column's cells are a row apart in memory, so the octant works on blocks of BLOCK columns: their
    elevations are copied into contiguous lines first (a few cache lines and one page per row, not one per
    cell), settled there, and written back a row at a time. Rays as in _octant_rows. Returns how many cells
    were UNSURE.
    """
    rows, cols = elev.shape
    n_steps = cols - 1 - c0 if sign > 0 else c0
    n = max(n_rays, n_steps)
    extent = rows - 1 - r0 if hs > 0 else r0
    m_first = 0 if hs > 0 else 1
    if n_steps <= 0 or rows < 2 or extent < m_first:
        return 0
    hray = np.full(n + 1, NO_HORIZON, np.float32)
    hstep = np.zeros(n + 1, np.int32)
    n_unsure = 0
    heights = mvh.shape[0] > 0  # an empty mvh: visibility only
    bufs = np.empty((5, max(n, rows) + 1))
    e0, e1, wb, x, y = bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]
    ib = np.empty(bufs.shape[1], np.int32)
    gu, gl, lines, ups, kept, over, ubuf, zc, zvc, dc, loc = gap_state(n if certify else 1)
    eb = np.empty((BLOCK, rows), elev.dtype)
    vb = np.empty((BLOCK, rows), np.uint8)
    mb = np.empty((BLOCK, rows), np.float32)
    linear_rows = _linear_rows(row_y, row_xs)
    inv_len, len_2reff, lens = _ray_steps(n, row_xs[0] * (col_x[1] - col_x[0]), row_y[1] - row_y[0], inv_2reff)
    z32, w32, hb, sb = _scratch32(bufs.shape[1])
    eps_d = 0.0 if linear_rows else distance_slack(row_xs)  # a row's distance is monotone; a column's not quite
    k_last = n
    i_first = 1
    nb = 0
    for i in range(1, n_steps + 1):
        q = c0 + sign * i
        b = (i - 1) % BLOCK
        if b == 0:  # rows the block's cells and ray samples can touch, one spare either side
            i_first = i
            nb = min(BLOCK, n_steps - i + 1)
            span = min(i + nb - 1, extent) + 1
            if not certify:  # only the cells within stop_m and the samples of rays 0..k_last (k_last only falls)
                span = min(span, _block_reach(k_last, i + nb - 1, n))
            _load_block(elev, q, sign, nb, max(0, min(r0, r0 + hs * span) - 1),
                        min(rows - 1, max(r0, r0 + hs * span) + 1), eb)
        line = eb[b]
        m_last = min(i, extent)
        count = m_last - m_first + 1
        lo = r0 + m_first if hs > 0 else r0 - m_last  # the line's cells are rows lo .. lo + count - 1
        scale = n / i
        cx = col_x[q]
        n_in = 0 if k_last < 0 else _cells_within(row_y, row_xs, col_x, True, q, r0, hs, m_first, m_last, stop_m)
        a, n_set = _settled_cells(certify, hs, count, n_in)
        xs_line = row_xs[lo + a:lo + a + n_set]  # slices indexed from 0: no wraparound check per cell
        y_line = row_y[lo + a:lo + a + n_set]
        for j in range(n_set):
            x[a + j] = xs_line[j] * cx
            y[a + j] = y_line[j]
        if certify == EVERYTHING:
            n_unsure += settle_exact_all(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m,
                                         True, q, lo, count, r0, scale, n, line[lo:lo + count], x, y, gl, lines, ups,
                                         kept, over, vb[b, lo:lo + count], mb[b, lo:lo + count])
        elif certify:
            n_unsure += settle_exact(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, True,
                                     q, lo, count, r0, scale, n, line[lo:lo + count], x, y, gu, gl, lines, ups,
                                     kept, over, e0, e1, wb, vb[b, lo:lo + count])
        else:
            _clear_beyond(vb[b, lo:lo + count], mb[b, lo:lo + count], a, n_in, heights)
            la = lo + a
            _between_all(n_in, hray, la, r0, scale, hb, sb, w32, ib)
            if _settle(n_in, line[la:la + n_in], hb, sb, x[a:], y[a:], z0, target_m, inv_2reff, radius_m, unsure,
                       heights, vb[b, la:la + n_in], mb[b, la:la + n_in]):
                n_unsure += _settle_unsure(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff,
                                           radius_m, True, q, la, n_in, r0, scale, hstep, window, linear_rows,
                                           line[la:la + n_in], x[a:], y[a:], vb[b, la:la + n_in], mb[b, la:la + n_in])
        if b == nb - 1:
            _store_block(vb, mb, c0 + sign * i_first, sign, nb, i_first, r0, hs, m_first, extent, heights, vis,
                         mvh)
        if k_last >= 0:
            k_last = _rays_needed(n_in, m_first, i, n)
        if k_last < 0:
            continue
        k_in = min(k_last, extent * n // i)  # as in _octant_rows
        k_use = min(k_last, k_in + 1)
        if certify:
            k_lin = k_in if linear_rows else -1
            _gather_certified(line, row_y, row_xs, col_x, True, linear_rows, q, cx, r0, hs, k_lin, k_use, i / n, i,
                              lens, zc, zvc, loc, dc, e0, e1, wb, x, y)
            fold_gaps(k_use, zc, zvc, loc, dc, eps_d, z0, inv_2reff, i, gu, gl, lines, ups, kept, over, ubuf)
            continue
        if linear_rows:
            _gather_z(line, r0, hs, k_in, i / n, z32, w32, ib)
            _fold_linear(k_in, z32, inv_len, len_2reff, i, z0, hray, hstep)
            k_first = k_in + 1
        else:
            k_first = 0
        if k_first <= k_use:
            _gather_col(line, row_y, row_xs, linear_rows, cx, r0, hs, k_first, k_use, i / n, e0, e1, wb, x, y)
            _fold(k_first, k_use, e0, e1, wb, x, y, z0, inv_2reff, hray, hstep, i)
    return n_unsure


@njit(cache=True, nogil=True)
def _octant(o, elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m, unsure,
            window, rays_rows, rays_cols, certify, vis, mvh):
    """Octant o (0-3: E/S rays of sign +1, 4-7: W/N of sign -1; even: minor offsets >= 0) of the lockstep
    viewshed; returns how many of its cells were settled by a walk."""
    sign = 1 if o < 4 else -1
    hs = 1 if o % 2 == 0 else -1
    if o % 4 < 2:
        return _octant_cols(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m,
                            unsure, window, sign, hs, rays_cols, certify, vis, mvh)
    return _octant_rows(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m,
                        unsure, window, sign, hs, rays_rows, certify, vis, mvh)


@njit(cache=True, nogil=True)
def cast_extent(half, observer, size):
    """How far (cells) the rays are cast along one axis: the full radius window's ``half`` size, even where
    the grid (``size`` cells, the observer at index ``observer``) stops short of it, so that a cut window
    gets the same rays as a whole one; but at most 1/8 (8 cells at least) past the grid's farther edge, as a
    radius far past the grid gives a clipped answer anyway."""
    reach = max(observer, size - 1 - observer)
    return min(half, reach + max(8, reach // 8))


@njit(cache=True, nogil=True)
def lockstep_viewshed_serial(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, cell_m,
                             unsure, window, vis, mvh, rays_rows, rays_cols, certify):
    """``lockstep_viewshed`` on the calling thread (for callers already parallel over observers)."""
    stop_m = radius_m + 2.0 * cell_m
    walked = 0
    for o in range(8):
        walked += _octant(o, elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m,
                          unsure, window, rays_rows, rays_cols, certify, vis, mvh)
    vis[r0, c0] = 1
    if mvh.shape[0] > 0:
        mvh[r0, c0] = 0.0
    return walked


_SLOW_FIRST = (0, 1, 4, 5, 2, 3, 6, 7)  # E/W octants (strided columns, ~1.3x the N/S time) start first


def lockstep_viewshed(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, cell_m, unsure,
                      window, vis, mvh, rays_rows=0, rays_cols=0, certify=0):
    """Lockstep R2 viewshed of cell (r0, c0), eye at z0 (m a.s.l.); same outputs as ``los.exact_viewshed``.

    elev float32 (rows, cols) with NaN on voids; void bool; frame arrays float64; cell_m the largest cell
    size (m); unsure: cells within unsure x (spread of the two rays either side) of the horizon are settled
    by their own sight line's samples within ``window`` grid lines of the rays' horizons (unsure 0: none).
    Writes vis uint8 and mvh float32 in place; an mvh of shape (0, 0) asks for visibility only (no heights
    are written, nor the grid's pages touched). rays_rows / rays_cols: cast the rays of the N/S (E/W)
    octants as if the grid reached that many rows (columns) from the observer, so that a grid cut short by
    its edge gets the same rays, and answers, as a larger one (0: to the grid's own edge). certify
    (``kernels/certify.py``): 0 the fast approximation above; VISIBILITY R3's visibility (with an empty
    mvh; unsure/window unused); EVERYTHING R3's visibility and minimum visible height. The 8 octants (disjoint
    cells) run on ``terrain.threads`` (numba.get_num_threads() threads; a numba prange here cost seconds
    more compilation on a cold start, for no speed). Returns how many cells took samples of their own.
    """
    stop_m = radius_m + 2.0 * cell_m

    def run(o):
        return _octant(o, elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, stop_m,
                       unsure, window, int(rays_rows), int(rays_cols), int(certify), vis, mvh)

    walked = run_all(run, _SLOW_FIRST)
    vis[r0, c0] = 1
    if mvh.shape[0] > 0:
        mvh[r0, c0] = 0.0
    return int(sum(walked))
