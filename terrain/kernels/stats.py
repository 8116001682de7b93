"""Summaries of a visibility grid: area, per-azimuth horizon, farthest point."""

import math

import numba
import numpy as np
from numba import njit

from ..threads import run_all

PARTS_PER_THREAD = 4  # row parts per thread in summarize (each keeps its own per-azimuth horizon)
CHUNK = 32  # cells of a row summarize tests and bins together
BIN_EDGE_MARGIN = 1e-3  # bins (1e-3 of 1 degree = 1.7e-5 rad > the 1.2e-5 rad error of _atan2_approx)


@njit(cache=True, nogil=True)
def _disc_span(y, xs, col_x, radius_m):
    """Columns [a, b) of a row within radius_m of the observer (m; distance computed as the kernels do, and
    monotone in |col_x|, so they are one run around the observer's column); a == b if none."""
    cols = col_x.shape[0]
    step = 1.0 if col_x[cols - 1] >= col_x[0] else -1.0  # columns run east or (flipped grids) west
    lo, hi = 0, cols  # the observer's side: first column with step x col_x >= 0
    while lo < hi:
        mid = (lo + hi) // 2
        if step * col_x[mid] < 0.0:
            lo = mid + 1
        else:
            hi = mid
    mid_c = lo
    a, b = 0, mid_c  # first column before mid_c within the radius
    while a < b:
        m = (a + b) // 2
        x = xs * col_x[m]
        if math.sqrt(x * x + y * y) <= radius_m:
            b = m
        else:
            a = m + 1
    start = a
    a, b = mid_c, cols  # first column from mid_c on beyond the radius
    while a < b:
        m = (a + b) // 2
        x = xs * col_x[m]
        if math.sqrt(x * x + y * y) <= radius_m:
            a = m + 1
        else:
            b = m
    return start, a


@njit(cache=True, nogil=True, error_model="numpy")
def _count_row(vis, void):
    """Visible and void cell counts of a row's cells (branch-free, and indexed from 0, so it vectorises)."""
    n_vis = 0
    n_void = 0
    for c in range(vis.shape[0]):
        n_void += void[c]
        n_vis += (vis[c] != 0) & ~void[c]
    return float(n_vis), n_void


@njit(cache=True, nogil=True, error_model="numpy")
def _count_visible(vis):
    """``_count_row`` of a row without voids: visible cells, 0 voids (the void mask is not read)."""
    n_vis = 0
    for c in range(vis.shape[0]):
        n_vis += vis[c] != 0
    return float(n_vis), 0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _atan2_approx(x, y):
    """atan2(x, y) (rad; azimuth of east offset x, north offset y) to within 1.2e-5 rad (Abramowitz & Stegun
    4.4.49 on the reduced argument), several times cheaper than libm's; branch-free, so a loop over cells
    vectorises."""
    ax = abs(x)
    ay = abs(y)
    big = max(ax, ay)
    t = min(ax, ay) / big
    t = 0.0 if big == 0.0 else t  # the origin: 0
    t2 = t * t
    a = t * (0.9998660 + t2 * (-0.3302995 + t2 * (0.1801410 + t2 * (-0.0851330 + t2 * 0.0208351))))
    a = 0.5 * math.pi - a if ax > ay else a
    a = math.pi - a if y < 0.0 else a
    return -a if x < 0.0 else a


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _bin_of(u, n_bins, margin):
    """Bin of fractional bin position u >= 0 (``_azimuth_bin``); -1 within margin of an edge."""
    k = np.int64(u)  # u >= 0, so the conversion is floor
    f = u - k
    k = k - n_bins if k >= n_bins else k
    return np.int64(-1) if (f < margin) | (f > 1.0 - margin) else k


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _wrapped(atan2_xy, conv_rad):
    """Azimuth atan2_xy - conv_rad (rad) brought into [0, 2 pi)."""
    two_pi = 2.0 * math.pi
    az = atan2_xy - conv_rad  # in (-pi - conv, pi + conv]
    return az + two_pi if az < 0.0 else (az - two_pi if az >= two_pi else az)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _azimuth_bin(atan2_xy, conv_rad, n_bins, margin):
    """Bin (0..n_bins-1, bin 0 centred on north) of azimuth atan2_xy - conv_rad; -1 if the azimuth is within
    margin (bins) of a bin edge (margin < 0: never). Branch-free."""
    return _bin_of(_wrapped(atan2_xy, conv_rad) / (2.0 * math.pi) * n_bins + 0.5, n_bins, margin)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _azimuth_bin_near(atan2_xy, conv_rad, bins_per_rad, n_bins, margin):
    """``_azimuth_bin`` with a product for its division (bins_per_rad = n_bins / 2 pi): the bin can differ
    from it only within ~1e-15 bins of an edge, far inside any margin > 0 (for the approximate atan2)."""
    return _bin_of(_wrapped(atan2_xy, conv_rad) * bins_per_rad + 0.5, n_bins, margin)


@njit(cache=True, nogil=True, error_model="numpy")
def _chunk_bins(v, vd, cx, y, xs, conv, n_bins, kb, db):
    """A run of a row's cells (vis v, void vd, column coordinates cx, all indexed from 0) in one branch-free
    pass: the azimuth bin of each (kb; -1 within BIN_EDGE_MARGIN of an edge) and its squared distance (db,
    m^2; -1 where not visible). Returns (first and last bin of the visible cells at a distance > 0, any of
    them near an edge, farthest visible squared distance).

    Squared distances: no square root per cell (the square root is monotone and correctly rounded, so the
    root of the largest square is the largest root). Along a row the distance only grows away from the
    observer's column, so the farthest visible cell is the first or the last visible one (a float max over
    the run would not vectorise; index min/max do)."""
    n = v.shape[0]
    bins_per_rad = n_bins / (2.0 * math.pi)
    k_lo = n_bins
    k_hi = -1
    edge = False
    i_first = n
    i_last = -1
    for i in range(n):
        x = xs * cx[i]
        d_sq = x * x + y * y
        k = _azimuth_bin_near(_atan2_approx(x, y), conv * cx[i], bins_per_rad, n_bins, BIN_EDGE_MARGIN)
        seen = (v[i] != 0) & ~vd[i]
        kb[i] = k
        db[i] = d_sq if seen else -1.0
        i_first = min(i_first, i if seen else n)
        i_last = max(i_last, i if seen else -1)
        lifts = seen & (d_sq > 0.0)
        k_lo = min(k_lo, k if lifts else n_bins)
        k_hi = max(k_hi, k if lifts else -1)
        edge |= lifts & (k < 0)
    far_sq = -1.0 if i_last < 0 else max(db[i_first], db[i_last])
    return k_lo, k_hi, edge, far_sq


@njit(cache=True, nogil=True)
def _summarize_row(vis, void, voids, y, xs, conv, col_x, radius_m, n_bins, hz_sq, kb, db):
    """One row: visible and in-disc cell counts, void cells in the disc, farthest visible cell (distance m,
    column; -1, -1 if none); folds the row's visible cells into hz_sq, the farthest per azimuth bin (as a
    squared distance, m^2, as ``_chunk_bins`` gives them; the first cell of the largest square is the
    farthest cell). kb, db: scratch of CHUNK entries. ``voids`` False: the grid has none, and the counts do
    not read ``void``.

    The disc's cells go by runs of CHUNK: a run with no visible cell is skipped with one vectorised test;
    the others are binned in one branch-free pass, and where all their visible cells fall in one bin (a bin
    is ~d / 57 m wide, about d / (57 x cell) cells of a row: a run visible throughout fits in one only beyond
    ~1,800 cells from the observer, nearer only runs with a few visible cells do) only their farthest is
    folded into it; the others fold cell by cell."""
    a, b = _disc_span(y, xs, col_x, radius_m)
    # the disc's cells as slices indexed from 0: a loop from a signed start (a) would check every index for
    # wraparound and not vectorise
    v = vis[a:b]
    vd = void[a:b]
    cx = col_x[a:b]
    n_vis, n_void = _count_row(v, vd) if voids else _count_visible(v)
    far_sq = -1.0
    far_c = -1
    if n_vis == 0.0:
        return n_vis, b - a, n_void, far_sq, far_c
    for j0 in range(0, b - a, CHUNK):
        j1 = min(j0 + CHUNK, b - a)
        any_vis = 0
        for j in range(j0, j1):
            any_vis |= v[np.uint64(j)]
        if any_vis == 0:
            continue
        k_lo, k_hi, edge, run_sq = _chunk_bins(v[j0:j1], vd[j0:j1], cx[j0:j1], y, xs, conv, n_bins, kb, db)
        if run_sq > far_sq:  # the first cell at that distance, as a cell-by-cell scan finds it
            for i in range(j1 - j0):
                if db[i] == run_sq:
                    far_sq = run_sq
                    far_c = a + j0 + i
                    break
        if k_lo == k_hi and not edge:
            if run_sq > hz_sq[k_lo]:
                hz_sq[k_lo] = run_sq
            continue
        for i in range(j1 - j0):
            d_sq = db[i]
            if d_sq <= 0.0:  # hidden, void, or the observer's own cell
                continue
            k = kb[i]
            if k < 0:  # within the approximation's error of a bin edge: decide with the exact atan2
                j = j0 + i
                k = _azimuth_bin(math.atan2(xs * cx[j], y), conv * cx[j], n_bins, -1.0)
            if d_sq > hz_sq[k]:
                hz_sq[k] = d_sq
    return n_vis, b - a, n_void, (math.sqrt(far_sq) if far_sq >= 0.0 else -1.0), far_c


@njit(cache=True, nogil=True)
def _summarize_rows(vis, void, voids, row_y, row_xs, col_x, row_conv, cell_area_m2, radius_m, r_start, r_end, hz,
                    vis_row, disc_row, void_row, far_row_m, far_row_c):
    """Rows r_start..r_end - 1 into their per-row slots (areas m^2, void count, farthest visible cell) and hz
    (farthest visible squared distance per azimuth bin, m^2)."""
    kb = np.empty(CHUNK, np.int64)
    db = np.empty(CHUNK)
    for r in range(r_start, r_end):
        n_vis, n_disc, void_row[r], far_row_m[r], far_row_c[r] = _summarize_row(
            vis[r], void[r], voids, row_y[r], row_xs[r], row_conv[r], col_x, radius_m, hz.shape[0], hz, kb, db)
        vis_row[r] = n_vis * cell_area_m2[r]
        disc_row[r] = n_disc * cell_area_m2[r]


@njit(cache=True, nogil=True)
def _reduce(vis_row, disc_row, void_row, far_row_m, far_row_c, hz_parts, horizon_m):
    """Sum the per-row slots in row order, keep the first farthest cell, and the max horizon of the parts (their
    squared distances, m^2) into horizon_m (m)."""
    visible_m2 = 0.0
    disc_m2 = 0.0
    n_void = 0
    far_m = -1.0
    far_r = -1
    far_c = -1
    for r in range(vis_row.shape[0]):
        visible_m2 += vis_row[r]
        disc_m2 += disc_row[r]
        n_void += void_row[r]
        if far_row_m[r] > far_m:
            far_m = far_row_m[r]
            far_r = r
            far_c = far_row_c[r]
    horizon_m[:] = 0.0
    for p in range(hz_parts.shape[0]):  # a max: the same whatever the parts
        for k in range(horizon_m.shape[0]):
            horizon_m[k] = max(horizon_m[k], hz_parts[p, k])
    for k in range(horizon_m.shape[0]):
        horizon_m[k] = math.sqrt(horizon_m[k])
    return visible_m2, disc_m2, n_void, far_r, far_c, far_m


def summarize(vis, void, row_y, row_xs, col_x, row_conv, cell_area_m2, radius_m, n_bins, horizon_m, ray=None,
              voids=True):
    """Visible and disc area (m^2), void cells in the disc, and the farthest visible cell.

    vis uint8 (rows, cols); cell_area_m2 float64 (rows,); writes horizon_m
    float64 (n_bins,): farthest visible distance per azimuth bin (bin 0 centred
    on north, clockwise). Returns (visible_m2, disc_m2, n_void, far_row, far_col, far_m).
    Parts of the rows run on ``terrain.threads`` into per-row slots and per-part
    horizons, reduced in row order, so the result does not depend on the thread
    count. ray=(r0, c0, reach_m, step_m): also raise horizon_m by ``ray_horizon``
    from the observer cell (r0, c0) out to reach_m, one more task on the pool. voids=False: the grid has no
    void cells (``Dem.has_voids``), so the counts need not read ``void``.
    """
    rows = vis.shape[0]
    vis_row = np.zeros(rows)
    disc_row = np.zeros(rows)
    void_row = np.zeros(rows, np.int64)
    far_row_m = np.full(rows, -1.0)
    far_row_c = np.full(rows, -1, np.int64)
    threads = numba.get_num_threads()
    n_parts = max(1, min(rows, PARTS_PER_THREAD * threads if threads > 1 else 1))
    bounds = np.linspace(0, rows, n_parts + 1).astype(np.int64)
    hz_parts = np.zeros((n_parts, int(n_bins)))
    hz_ray = np.zeros(int(n_bins))

    def run(p):
        if p < 0:
            ray_horizon(vis, void, row_y, row_xs, col_x, row_conv, int(ray[0]), int(ray[1]), float(ray[2]),
                        float(ray[3]), hz_ray)
            return
        _summarize_rows(vis, void, bool(voids), row_y, row_xs, col_x, row_conv, cell_area_m2, float(radius_m),
                        int(bounds[p]), int(bounds[p + 1]), hz_parts[p], vis_row, disc_row, void_row, far_row_m,
                        far_row_c)

    run_all(run, ([-1] if ray is not None else []) + list(range(n_parts)))  # the ray walk, the longest, first
    out = _reduce(vis_row, disc_row, void_row, far_row_m, far_row_c, hz_parts, horizon_m)
    np.maximum(horizon_m, hz_ray, out=horizon_m)  # both are maxima: the same as raising after the fold
    return out


@njit(cache=True, nogil=True)
def _nearest(axis, value, i):
    """Index of the entry of the monotone ``axis`` nearest to value, searched from index i (amortised O(1)
    along a ray, whose samples move one way)."""
    n = axis.shape[0]
    while i + 1 < n and abs(axis[i + 1] - value) < abs(axis[i] - value):
        i += 1
    while i > 0 and abs(axis[i - 1] - value) < abs(axis[i] - value):
        i -= 1
    return i


@njit(cache=True, nogil=True)
def _beyond_edge(axis, value, i):
    """value lies more than half a spacing past the end entry i of the axis (off the grid)."""
    n = axis.shape[0]
    if n < 2 or (i != 0 and i != n - 1):
        return False
    half = 0.5 * abs(axis[1] - axis[0]) if i == 0 else 0.5 * abs(axis[n - 1] - axis[n - 2])
    return abs(axis[i] - value) > half


@njit(cache=True, nogil=True)
def ray_horizon(vis, void, row_y, row_xs, col_x, row_conv, r0, c0, radius_m, step_m, horizon_m):
    """Raise horizon_m (n_bins,) to the distance (m) of the farthest visible cell centre met along each
    bin's centre azimuth.

    Walks the ray of bin k (azimuth 360 k / n_bins degrees from north) in steps of step_m up to
    radius_m, sampling the cell the point falls in. Near the observer a 1-degree bin holds no cell
    centre at all (fewer than 57 cells out), so the per-cell fold alone would report 0 there.
    """
    n_bins = horizon_m.shape[0]
    for k in range(n_bins):
        az = 2.0 * math.pi * k / n_bins
        r = r0
        c = c0
        far = 0.0
        s = step_m
        while s <= radius_m:
            a = az + row_conv[r] * col_x[c]  # grid angle whose geodesic azimuth is az
            y = s * math.cos(a)
            r = _nearest(row_y, y, r)
            if _beyond_edge(row_y, y, r):
                break
            x = s * math.sin(a) / row_xs[r]
            c = _nearest(col_x, x, c)
            if _beyond_edge(col_x, x, c):
                break
            if vis[r, c] != 0 and not void[r, c]:
                x_m = row_xs[r] * col_x[c]
                far = max(far, math.sqrt(x_m * x_m + row_y[r] * row_y[r]))  # the cell centre, as the fold
            s += step_m
        if far > horizon_m[k]:
            horizon_m[k] = far
