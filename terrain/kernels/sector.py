"""Total viewshed by sector rays shared between observers (the work-reuse algorithm).

The disc around every observer is cut into ``n_dir`` equal sectors of metric
azimuth; each sector is represented by its axis ray (the sector-based total
viewshed of Tabik, Zapata & Romero 2013 and Tabik, Cervilla, Zapata & Romero,
IEEE JSTARS 2015). A ray steps one row or column at a time along its major axis
and samples terrain linearly between the two cells either side of the crossed
line, exactly as the R3 walk of ``los.py`` does. Sample ``k`` stands for the
ring segment of its sector between the midpoints to its neighbouring samples;
it adds that area (``dphi / 2 * (b_k^2 - b_{k-1}^2)``, clipped at the radius)
when the target height there clears the running horizon of the samples before
it. On flat ground with curvature off every observer therefore gets exactly
``pi R^2``; on real terrain the error is that of sampling a sector by its axis
(measured against exact per-observer viewsheds in tests and benchmarks).

Work reuse (the idea behind the skewed DEM, sDEM, of Sanchez-Fernandez,
Romero, Bandera & Tabik, IJGIS 35(8), 2021): the grid offset, interpolation
weight, distance, curvature drop and ring area of step ``k`` of a direction
depend only on the observer's row, not its column. So all observers of a row
walk a direction together, and the innermost loop runs over observers along a
row of the DEM: contiguous loads, no per-observer geometry, vectorised by LLVM.
Each observer row belongs to one ``prange`` iteration and sums in a fixed
order, so any thread count and any tile + halo split give the same bits.
"""

import math

import numpy as np
from numba import njit, prange

from .geometry import geographic_frame, lerp_index, projected_frame


@njit(cache=True, nogil=True)
def row_frame(geographic, row_coord, col_step, row_scale, a_m, e2, r0, ra, rb):
    """Metric frame of observer row r0 over rows [ra, rb): (row_y, row_xs) and metres per column/row.

    row_xs is metres per unit of column coordinate; col_step the column spacing in that unit.
    """
    n = rb - ra
    row_y = np.empty(n)
    row_xs = np.empty(n)
    conv = np.empty(n)
    col_x = np.empty(1)
    zero = np.zeros(1)
    if geographic:
        geographic_frame(row_coord[ra:rb], zero, row_coord[r0], 0.0, a_m, e2, row_y, row_xs, col_x, conv)
    else:
        projected_frame(row_coord[ra:rb], zero, row_coord[r0], 0.0, row_scale[r0], row_y, row_xs, col_x, conv)
    i0 = r0 - ra
    if n > 1:
        j = i0 + 1 if i0 + 1 < n else i0 - 1
        m_row = (row_y[j] - row_y[i0]) / (j - i0)
    else:
        m_row = math.copysign(abs(row_xs[i0] * col_step), -1.0)
    m_col = row_xs[i0] * col_step
    return row_y, row_xs, m_row, m_col


@njit(cache=True, nogil=True)
def ray_direction(phi, m_row, m_col):
    """Grid form of metric azimuth phi (rad): (steps columns?, +1/-1 along the major axis, minor cells per step).

    m_row/m_col: signed metres of northing per row and of easting per column at the observer.
    """
    g_col = math.sin(phi) / m_col
    g_row = math.cos(phi) / m_row
    if abs(g_col) >= abs(g_row):
        return True, 1 if g_col > 0 else -1, g_row / abs(g_col)
    return False, 1 if g_row > 0 else -1, g_col / abs(g_row)


@njit(cache=True, nogil=True)
def ray_steps(row_y, row_xs, ra, r0, rows, cols, col_step, x_major, sign, slope, radius_m, dphi, kcap,
               off_major, off_lo, frac, dist, area):
    """Fill the steps of one ray from row r0; returns (count, inner disc area m^2).

    x_major: the ray steps columns (else rows) by ``sign``; ``slope`` cells of the minor axis per step.
    Per step k (1-based, stored at k - 1): major offset, minor low-cell offset, interpolation weight,
    distance (m) and ring area (m^2). Stops past the radius or where the two cells leave the rows.
    """
    n = 0
    prev_d = 0.0
    for k in range(1, kcap + 1):
        pos = slope * k
        lo = int(math.floor(pos))
        w = pos - lo
        hi = lo + 1 if w > 0.0 else lo
        if x_major:
            if r0 + lo < 0 or r0 + hi >= rows:
                break
            y = lerp_index(row_y, r0 + pos - ra)
            x = lerp_index(row_xs, r0 + pos - ra) * (sign * k * col_step)
        else:
            r = r0 + sign * k
            if r < 0 or r >= rows:
                break
            y = row_y[r - ra]
            x = row_xs[r - ra] * (pos * col_step)
        d = math.sqrt(x * x + y * y)
        if n > 0 and 0.5 * (prev_d + d) >= radius_m:
            break
        off_major[n] = sign * k
        off_lo[n] = lo
        frac[n] = w
        dist[n] = d
        n += 1
        prev_d = d
    inner = 0.0
    for i in range(n):
        b_in = 0.5 * dist[0] if i == 0 else 0.5 * (dist[i - 1] + dist[i])
        if i + 1 < n:
            b_out = 0.5 * (dist[i] + dist[i + 1])
        elif n > 1:
            b_out = dist[i] + 0.5 * (dist[i] - dist[i - 1])
        else:
            b_out = 1.5 * dist[i]
        b_out = min(b_out, radius_m)
        b_in = min(b_in, radius_m)
        area[i] = 0.5 * dphi * (b_out * b_out - b_in * b_in)
        if i == 0:
            inner = 0.5 * dphi * b_in * b_in
    return n, inner


@njit(cache=True, nogil=True)
def row_rays(geographic, row_coord, col_step, row_scale, a_m, e2, r0, rows, cols, half_rows, kcap, radius_m, n_dir):
    """Every sector ray of observer row r0, per sector j: (x_major bool (n_dir,), count int64 (n_dir,),
    off_major/off_lo int64 (n_dir, kcap), frac/dist/area float64 (n_dir, kcap), inner disc area sum m^2)."""
    ra = max(0, r0 - half_rows)
    rb = min(rows, r0 + half_rows + 1)
    row_y, row_xs, m_row, m_col = row_frame(geographic, row_coord, col_step, row_scale, a_m, e2, r0, ra, rb)
    x_major = np.zeros(n_dir, np.bool_)
    count = np.zeros(n_dir, np.int64)
    off_major = np.zeros((n_dir, kcap), np.int64)
    off_lo = np.zeros((n_dir, kcap), np.int64)
    frac = np.zeros((n_dir, kcap))
    dist = np.zeros((n_dir, kcap))
    area = np.zeros((n_dir, kcap))
    dphi = 2.0 * math.pi / n_dir
    inner_sum = 0.0
    for j in range(n_dir):
        xm, sign, slope = ray_direction(j * dphi, m_row, m_col)
        x_major[j] = xm
        count[j], inner = ray_steps(row_y, row_xs, ra, r0, rows, cols, col_step, xm, sign, slope, radius_m, dphi,
                                    kcap, off_major[j], off_lo[j], frac[j], dist[j], area[j])
        inner_sum += inner
    return x_major, count, off_major, off_lo, frac, dist, area, inner_sum


@njit(cache=True, nogil=True)
def step_constants(frac, dist, area, inv_2reff, target_m):
    """float32 (weight, curvature drop m, 1/distance 1/m, target lift, ring area m^2) of one ray step."""
    return (np.float32(frac), np.float32(dist * dist * inv_2reff), np.float32(1.0 / dist), np.float32(target_m / dist),
            np.float32(area))


@njit(cache=True, nogil=True)
def _step(z_lo, z_hi, z0, horizon, acc, w, drop, inv_d, lift, area):
    """One ray step for a run of observers (1-D views of equal length, float32).

    z_lo/z_hi: the two cells either side of each observer's sample, mixed with weight w on z_hi;
    adds ``area`` to acc where the target (``lift`` = target height / distance above the terrain's
    tan) clears the horizon, then raises the horizon. NaN terrain neither blocks nor counts.
    """
    w1 = np.float32(1.0) - w
    zero = np.float32(0.0)
    for i in range(z0.shape[0]):
        s = (z_lo[i] * w1 + z_hi[i] * w - drop - z0[i]) * inv_d
        h = horizon[i]
        acc[i] += area if s + lift >= h else zero
        horizon[i] = s if s > h else h


@njit(cache=True, nogil=True)
def _walk_row(elev, z0, r0, c_first, c_end, stride, x_major, n, off_major, off_lo, frac, dist, area, inv_2reff,
              target_m, horizon, acc):
    """Walk one ray for every observer c in range(c_first, c_end, stride) of row r0; adds to acc[c].

    elev float32 with NaN voids (they neither block nor count); z0 float32 eye elevations; horizon
    float32 scratch (cols,). With stride 1 every view is contiguous and ``_step`` vectorises.
    """
    cols = elev.shape[1]
    for c in range(c_first, c_end, stride):
        horizon[c] = -np.inf
    for i in range(n):
        lo = off_lo[i]
        hi = lo + 1 if frac[i] > 0.0 else lo
        m = off_major[i]
        if x_major:  # target column c + m, rows r0 + lo and r0 + hi
            r_lo, r_hi, c_lo, c_hi = r0 + lo, r0 + hi, m, m
        else:  # target row r0 + m, columns c + lo and c + hi
            r_lo, r_hi, c_lo, c_hi = r0 + m, r0 + m, lo, hi
        ca = max(c_first, -c_lo)
        cb = min(c_end, cols - c_hi)
        ca = c_first + ((ca - c_first + stride - 1) // stride) * stride
        if cb <= ca:
            continue
        args = step_constants(frac[i], dist[i], area[i], inv_2reff, target_m)
        if stride == 1:
            _step(elev[r_lo, ca + c_lo : cb + c_lo], elev[r_hi, ca + c_hi : cb + c_hi], z0[ca:cb], horizon[ca:cb],
                  acc[ca:cb], *args)
        else:
            _step(elev[r_lo, ca + c_lo : cb + c_lo : stride], elev[r_hi, ca + c_hi : cb + c_hi : stride],
                  z0[ca:cb:stride], horizon[ca:cb:stride], acc[ca:cb:stride], *args)


@njit(cache=True, parallel=True)
def sector_total_viewshed(elev, geographic, row_coord, col_step, row_scale, a_m, e2, obs_rows, c_first, c_end,
                          stride, observer_m, target_m, inv_2reff, radius_m, n_dir, half_rows, kcap):
    """Visible area (m^2, float64 (len(obs_rows), cols)) within radius_m of observers on a row lattice.

    elev float32 (rows, cols), NaN = void; row_coord: row-centre coordinates (radians if geographic);
    col_step: column spacing (radians or CRS units); row_scale: projection point scale per row (projected
    grids); observers are the cells (r, c) with r in obs_rows and c in range(c_first, c_end, stride);
    half_rows: rows of frame each side of an observer row (>= the radius in rows + 3); kcap: most
    steps of a ray (>= the radius in rows or columns + 3).
    Columns that are not observers, and void observers, are NaN.
    """
    rows, cols = elev.shape
    n_obs = obs_rows.shape[0]
    out = np.full((n_obs, cols), np.nan)
    for t in prange(n_obs):
        r0 = obs_rows[t]
        x_major, count, off_major, off_lo, frac, dist, area, inner_sum = row_rays(
            geographic, row_coord, col_step, row_scale, a_m, e2, r0, rows, cols, half_rows, kcap, radius_m, n_dir)
        z0 = np.empty(cols, np.float32)
        for c in range(cols):
            z0[c] = elev[r0, c] + np.float32(observer_m)
        horizon = np.empty(cols, np.float32)
        acc = np.zeros(cols, np.float32)
        total = np.zeros(cols)
        for j in range(n_dir):
            for c in range(c_first, c_end, stride):
                acc[c] = 0.0
            _walk_row(elev, z0, r0, c_first, c_end, stride, x_major[j], count[j], off_major[j], off_lo[j], frac[j],
                      dist[j], area[j], inv_2reff, target_m, horizon, acc)
            for c in range(c_first, c_end, stride):
                total[c] += acc[c]
        for c in range(c_first, c_end, stride):
            if not math.isnan(elev[r0, c]):
                out[t, c] = total[c] + inner_sum
    return out
