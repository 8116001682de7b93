"""Scalar geometry shared by every kernel (plain math, compiled with njit).

Frame arrays (see ``terrain.geodesy.MetricFrame``): ``row_y`` northing of each
row from the observer (m), ``row_xs`` metres per unit of column coordinate in
that row, ``col_x`` column coordinate offset from the observer.
"""

import math

from numba import njit


@njit(cache=True, nogil=True)
def curvature_drop(d_m, inv_2reff):
    """drop = d^2 / (2 r_eff) (m): how far the earth falls below the observer's tangent plane."""
    return d_m * d_m * inv_2reff


@njit(cache=True, nogil=True)
def lerp_index(arr, pos):
    """arr linearly interpolated at fractional index pos (clamped to the ends)."""
    n = arr.shape[0]
    if pos <= 0.0:
        return arr[0]
    if pos >= n - 1:
        return arr[n - 1]
    i = int(math.floor(pos))
    w = pos - i
    return arr[i] * (1.0 - w) + arr[i + 1] * w


@njit(cache=True, nogil=True)
def distance_at(row_y, row_xs, col_x, r, c):
    """Distance (m) from the observer to fractional cell position (r, c)."""
    y = lerp_index(row_y, r)
    x = lerp_index(row_xs, r) * lerp_index(col_x, c)
    return math.sqrt(x * x + y * y)


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
def elevation_along(elev, void, major_is_col, major, minor):
    """Terrain on a grid line: linear between the two cells either side of fractional ``minor``.

    major_is_col: the line crosses column ``major`` at row ``minor`` (else row
    ``major`` at column ``minor``). Returns NaN if either cell is void or off-grid.
    """
    lo = int(math.floor(minor))
    w = minor - lo
    hi = lo + 1 if w > 0.0 else lo
    n_minor = elev.shape[0] if major_is_col else elev.shape[1]
    if lo < 0 or hi >= n_minor:
        return math.nan
    if major_is_col:
        if void[lo, major] or void[hi, major]:
            return math.nan
        return elev[lo, major] * (1.0 - w) + elev[hi, major] * w
    if void[major, lo] or void[major, hi]:
        return math.nan
    return elev[major, lo] * (1.0 - w) + elev[major, hi] * w


@njit(cache=True, nogil=True)
def elevation_angle(z_m, d_m, z0_m, inv_2reff):
    """tan of the elevation angle from the eye at z0 to height z at distance d, curvature included."""
    return (z_m - curvature_drop(d_m, inv_2reff) - z0_m) / d_m



@njit(cache=True, nogil=True)
def geographic_frame(lat_rows, lon_cols, lat0, lon0, a_m, e2, row_y, row_xs, col_x, row_conv):
    """Fill the metric frame of an observer at (lat0, lon0) on a lat/lon grid (all radians).

    Mid-latitude ellipsoidal formula: y = M(phi_m) dphi, x = N(phi_m) cos(phi_m) dlambda,
    and half the meridian convergence sin(phi_m)/2 per radian of dlambda.
    """
    for i in range(lat_rows.shape[0]):
        phi_m = 0.5 * (lat_rows[i] + lat0)
        s2 = math.sin(phi_m) ** 2
        w = 1.0 - e2 * s2
        row_y[i] = a_m * (1.0 - e2) / (w * math.sqrt(w)) * (lat_rows[i] - lat0)
        row_xs[i] = a_m / math.sqrt(w) * math.cos(phi_m)
        row_conv[i] = 0.5 * math.sin(phi_m)
    for j in range(lon_cols.shape[0]):
        col_x[j] = lon_cols[j] - lon0


@njit(cache=True, nogil=True)
def projected_frame(y_rows, x_cols, y0, x0, scale, row_y, row_xs, col_x, row_conv):
    """Fill the metric frame on a projected grid: grid metres divided by the point scale factor."""
    for i in range(y_rows.shape[0]):
        row_y[i] = (y_rows[i] - y0) / scale
        row_xs[i] = 1.0 / scale
        row_conv[i] = 0.0
    for j in range(x_cols.shape[0]):
        col_x[j] = x_cols[j] - x0


@njit(cache=True, nogil=True)
def sample_on_line(elev, void, row_y, row_xs, col_x, r0, c0, dr, dc, n, i, major_is_col):
    """Terrain (m) and distance (m) of step i of n on the line (r0, c0) -> (r0 + dr, c0 + dc).

    The line crosses column (major_is_col) or row i; terrain is linear between
    the two cells either side. Returns (NaN, NaN) if either cell is void.
    """
    t = i / n
    if major_is_col:
        c = c0 + (i if dc > 0 else -i)
        r = r0 + dr * t
        z = elevation_along(elev, void, True, c, r)
        if math.isnan(z):
            return math.nan, math.nan
        return z, distance_at(row_y, row_xs, col_x, r, float(c))
    r = r0 + (i if dr > 0 else -i)
    c = c0 + dc * t
    z = elevation_along(elev, void, False, r, c)
    if math.isnan(z):
        return math.nan, math.nan
    return z, distance_at(row_y, row_xs, col_x, float(r), c)
