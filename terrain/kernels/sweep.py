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
in the intervals the two samples span (tracked along each ray: ``lmax``); at
distance ``d_i = d * i / j`` that moves each sample's angle by at most
``L_i * delta / d``, where ``L_i`` also carries the distance term: the shift
moves the sample's distance by up to ``cell * delta_i``, tilting its angle by
``|a_i + d_i / r_eff| / d_i`` per metre (first order on steep sight lines). Above the swept horizon every sample counts, so a target
more than ``L * delta`` metres (``L`` = max of ``L_i`` along the ray, plus a
small floor for second-order distance terms) above it is visible in R3 too;
a sample with ``a_i + (L_i / 2 + floor) / d_i < h`` (delta <= 1/2, and every
later cell is farther) can never reach a later horizon and is left out of ``L``.
Below it one sample suffices: the cell's own line passes the sample that set
the horizon at most ``L_h * delta`` lower (``L_h`` = that sample's step), so a
target more than ``L_h * delta`` below is hidden in R3 too. Every other cell,
and any cell no ray reached, is settled with the exact R3 walk
(``los.horizon_to``).

Each of the four sides owns a fixed wedge of cells (E/W: |dr| <= |dc|;
N/S: |dc| < |dr|), so the parallel sides never write the same cell and the
result does not depend on the thread count.
"""

import math

import numpy as np
from numba import njit, prange

from .geometry import distance_at, elevation_angle, lerp_index
from .los import NO_HORIZON, horizon_to, outside, settle_cell

UNSET = 255  # offset code of a cell no ray has reached
OFFSET_SCALE = 500.0  # offset (cells, <= 0.5) -> uint8 code


@njit(cache=True, nogil=True)
def _line_sample(elev, void, row_y, row_xs, col_x, major_is_col, major, minor):
    """Terrain z, distance d and local step bound at fractional ``minor`` on grid line ``major``.

    The bound is the largest elevation step between neighbouring cells over the three intervals
    around ``minor`` (any sight line within half a cell crosses only those); inf if one is void
    or if the sample itself is skipped. z is NaN if either cell either side of ``minor`` is void
    or off the grid.
    """
    lo = int(math.floor(minor))
    w = minor - lo
    n_minor = elev.shape[0] if major_is_col else elev.shape[1]
    if major_is_col:
        y = lerp_index(row_y, minor)
        x = lerp_index(row_xs, minor) * col_x[major]
    else:
        y = row_y[major]
        x = row_xs[major] * lerp_index(col_x, minor)
    d = math.sqrt(x * x + y * y)
    z = math.nan
    step = 0.0
    for i in range(lo - 1, lo + 3):
        if i < 0 or i >= n_minor:
            continue
        vi = void[i, major] if major_is_col else void[major, i]
        if vi:
            step = math.inf
            continue
        if i > lo - 1 and i - 1 >= 0:
            vp = void[i - 1, major] if major_is_col else void[major, i - 1]
            if not vp:
                zi = elev[i, major] if major_is_col else elev[major, i]
                zp = elev[i - 1, major] if major_is_col else elev[major, i - 1]
                step = max(step, abs(zi - zp))
    hi = lo + 1 if w > 0.0 else lo
    if 0 <= lo and hi < n_minor:
        if major_is_col:
            if not (void[lo, major] or void[hi, major]):
                z = elev[lo, major] * (1.0 - w) + elev[hi, major] * w
        elif not (void[major, lo] or void[major, hi]):
            z = elev[major, lo] * (1.0 - w) + elev[major, hi] * w
    if math.isnan(z):
        # A ray sample that is skipped (void, or past the grid edge where a cell's own sight line
        # still finds terrain) can hide an obstacle: no bound, the cells after it are re-checked.
        step = math.inf
    return z, d, step


@njit(cache=True, nogil=True)
def _sweep_side(elev, void, row_y, row_xs, col_x, r0, c0, z0, inv_2reff, side, density, l_quant, stop_m, margin_m,
                cell_m, best, lcode, hcode, hor):
    """Walk every ray of one side (0 E, 1 W, 2 S, 3 N); for each owned cell keep the nearest ray's
    horizon (hor, float32), offset code (best, uint8), step-bound code of all samples so far (lcode, uint8, units
    of l_quant m) and of the sample that set the horizon (hcode); cell_m: the largest cell size (m).

    Rays stop at the grid edge or once farther than stop_m (the radius plus two cells: every cell
    inside the radius has had its nearest rays by then; distance only grows along a ray).
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
        lmax = 0.0  # largest local step met by the samples so far (m)
        lh = 0.0  # local step at the sample that set the horizon (m)
        for j in range(1, n + 1):
            major = (c0 if major_is_col else r0) + sign * j
            minor = minor0 + slope * j
            if minor < -0.5 or minor > n_minor - 0.5:
                break
            lo = int(math.floor(minor))
            if 1 <= lo and lo + 2 < n_minor:
                z, d, step = _interior_sample(elev, row_y, row_xs, col_x, major_is_col, major, minor, lo)
            else:
                z, d, step = _line_sample(elev, void, row_y, row_xs, col_x, major_is_col, major, minor)
            if d > stop_m:
                break
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
                    lcode[rr, cc] = _step_code(lmax, l_quant)
                    hcode[rr, cc] = _step_code(lh, l_quant)
            if math.isnan(z):
                lmax = math.inf  # a skipped sample may hide an obstacle
                continue
            a = elevation_angle(z, d, z0, inv_2reff)
            # Moving the sample delta_i cells sideways moves its terrain by <= step * delta_i and its
            # distance by <= cell_m * delta_i, which tilts its angle by |da/dd| = |a + 2 d / (2 r_eff)| / d
            # per metre: both go into the sample's bound.
            step += abs(a + 2.0 * d * inv_2reff) * cell_m
            # A sample whose angle stays below the horizon even raised by its own bound at this (the
            # smallest) distance can never lift a later cell's horizon: h only grows, t only shrinks.
            if step > lmax and a + (0.5 * step + margin_m) / d >= h:
                lmax = step
            if a > h:
                h = a
                lh = step


@njit(cache=True, nogil=True)
def _step_code(step_m, l_quant):
    """uint8 code of a step bound (m), rounded up; UNSET (re-check) for a bound too large to code, or inf."""
    if not step_m <= 254.0 * l_quant:
        return UNSET
    return int(math.ceil(step_m / l_quant))


@njit(cache=True, nogil=True)
def _interior_sample(elev, row_y, row_xs, col_x, major_is_col, major, minor, lo):
    """``_line_sample`` where the four cells lo - 1 .. lo + 2 are on the grid (1 <= lo, lo + 2 < n).

    Same numbers, fewer branches: voids are NaN in elev, so a NaN step means a void among the four.
    """
    w = minor - lo
    if major_is_col:
        e0 = elev[lo - 1, major]
        e1 = elev[lo, major]
        e2 = elev[lo + 1, major]
        e3 = elev[lo + 2, major]
        y = row_y[lo] * (1.0 - w) + row_y[lo + 1] * w
        x = (row_xs[lo] * (1.0 - w) + row_xs[lo + 1] * w) * col_x[major]
    else:
        e0 = elev[major, lo - 1]
        e1 = elev[major, lo]
        e2 = elev[major, lo + 1]
        e3 = elev[major, lo + 2]
        y = row_y[major]
        x = row_xs[major] * (col_x[lo] * (1.0 - w) + col_x[lo + 1] * w)
    d = math.sqrt(x * x + y * y)
    step = max(abs(e1 - e0), abs(e2 - e1), abs(e3 - e2))
    if math.isnan(e0 + e1 + e2 + e3):
        step = math.inf
    if w > 0.0:
        z = e1 * (1.0 - w) + e2 * w
    else:
        z = e1 * 1.0
    if math.isnan(z):
        step = math.inf  # a skipped sample voids the bound (as in _line_sample)
    return z, d, step


@njit(cache=True, nogil=True)
def _settle_row(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, l_quant,
                r, best, lcode, hcode, vis, mvh):
    """Settle every cell of row r from its swept horizon (held in mvh), re-checking near-horizon cells.

    lcode * l_quant is the bound L (m) met along the nearest ray, hcode * l_quant the one at the sample that
    set its horizon; UNSET means unbounded (voids). A cell the sweep sees is re-checked when its target is
    within L * delta of the horizon (some sample of its own line may rise that much higher); a cell the sweep
    does not see only when within L_h * delta (its own line passes the horizon sample at most that much lower).

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
            code = lcode[r, c] if gap_m >= 0.0 else hcode[r, c]
            bound = math.inf if code == UNSET else code * l_quant * best[r, c] / OFFSET_SCALE
            if abs(gap_m) <= margin_m + bound:
                h = horizon_to(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, inv_2reff)
                n_exact += 1
        settle_cell(elev, r0, c0, z0, r, c, d, target_m, inv_2reff, h, vis, mvh)
    return n_exact


@njit(cache=True, nogil=True)
def max_cell_m(row_y, row_xs, col_x):
    """Largest cell size (m) in either direction over the window."""
    m = 0.0
    for i in range(row_y.shape[0] - 1):
        m = max(m, abs(row_y[i + 1] - row_y[i]))
    if col_x.shape[0] > 1:
        dcol = abs(col_x[1] - col_x[0])
        for i in range(row_xs.shape[0]):
            m = max(m, row_xs[i] * dcol)
    return m


@njit(cache=True, nogil=True)
def _step_quantum(elev, void):
    """Metres per unit of the uint8 step-bound code: twice the grid's largest neighbour step / 254 (> 0);
    the factor leaves room for the distance term of a sample's bound (larger bounds code as UNSET)."""
    rows, cols = elev.shape
    s = 0.0
    for r in range(rows):
        for c in range(cols):
            if void[r, c]:
                continue
            if r + 1 < rows and not void[r + 1, c]:
                s = max(s, abs(elev[r + 1, c] - elev[r, c]))
            if c + 1 < cols and not void[r, c + 1]:
                s = max(s, abs(elev[r, c + 1] - elev[r, c]))
    return 2.0 * max(s, 1e-6) / 254.0


@njit(cache=True, nogil=True)
def _sweep_buffers(elev, void, row_y, row_xs, col_x, radius_m):
    """Per-cell sweep buffers (best, lcode, hcode uint8), the step quantum, largest cell size and ray stop (m)."""
    rows, cols = elev.shape
    best = np.full((rows, cols), UNSET, np.uint8)
    lcode = np.empty((rows, cols), np.uint8)
    hcode = np.empty((rows, cols), np.uint8)
    cell_m = max_cell_m(row_y, row_xs, col_x)
    return best, lcode, hcode, _step_quantum(elev, void), cell_m, radius_m + 2.0 * cell_m


@njit(cache=True, parallel=True)
def fast_viewshed(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, density, vis, mvh):
    """Fast viewshed of cell (r0, c0), eye at z0 (m a.s.l.); same outputs as ``los.exact_viewshed``.

    elev float32 (rows, cols), void bool, frame arrays float64; writes vis uint8
    and mvh float32 in place. Returns the number of exactly re-checked cells.
    """
    rows = elev.shape[0]
    best, lcode, hcode, l_quant, cell_m, stop_m = _sweep_buffers(elev, void, row_y, row_xs, col_x, radius_m)
    for side in prange(4):
        _sweep_side(elev, void, row_y, row_xs, col_x, r0, c0, z0, inv_2reff, side, density, l_quant, stop_m, margin_m, cell_m, best,
                    lcode, hcode, mvh)
    counts = np.zeros(rows, np.int64)
    for r in prange(rows):
        counts[r] = _settle_row(
            elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, l_quant,
            r, best, lcode, hcode, vis, mvh
        )
    return counts.sum()


@njit(cache=True, nogil=True)
def fast_viewshed_serial(elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, density, vis, mvh):
    """Single-threaded ``fast_viewshed`` (for callers that are already parallel)."""
    rows = elev.shape[0]
    best, lcode, hcode, l_quant, cell_m, stop_m = _sweep_buffers(elev, void, row_y, row_xs, col_x, radius_m)
    for side in range(4):
        _sweep_side(elev, void, row_y, row_xs, col_x, r0, c0, z0, inv_2reff, side, density, l_quant, stop_m, margin_m, cell_m, best,
                    lcode, hcode, mvh)
    n = 0
    for r in range(rows):
        n += _settle_row(
            elev, void, row_y, row_xs, col_x, r0, c0, z0, target_m, inv_2reff, radius_m, margin_m, l_quant,
            r, best, lcode, hcode, vis, mvh
        )
    return n
