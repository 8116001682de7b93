"""Radio path kernels: Fresnel clearance and Bullington diffraction along each sight line.

Heights are taken relative to the transmitter's tangent plane with the
curvature drop d^2 / (2 r_eff) (r_eff = K R), which is the same as ITU-R
P.526's earth bulge d_i (d - d_i) / (2 r_eff) up to a straight line, so
clearances and nu are unchanged.
"""

import math

import numpy as np
from numba import njit, prange, vectorize

from .geometry import distance_at, sample_on_line
from .los import outside


@vectorize(["float64(float64, float64, float64)"], cache=True)
def fresnel_radius_m(d1_m, d2_m, wavelength_m):
    """First Fresnel zone radius r1 = sqrt(lambda d1 d2 / (d1 + d2)) (m)."""
    if d1_m <= 0.0 or d2_m <= 0.0:
        return 0.0
    return math.sqrt(wavelength_m * d1_m * d2_m / (d1_m + d2_m))


@vectorize(["float64(float64, float64)"], cache=True)
def free_space_loss_db(d_m, wavelength_m):
    """Free-space path loss 20 log10(4 pi d / lambda) (dB); NaN closer than one wavelength (near field,
    where Friis would give a gain)."""
    if not d_m >= wavelength_m:
        return math.nan
    return 20.0 * math.log10(4.0 * math.pi * d_m / wavelength_m)


@vectorize(["float64(float64)"], cache=True)
def knife_edge_loss_db(nu):
    """ITU-R P.526-15 eq. (31): J(nu) = 6.9 + 20 log10(sqrt((nu - 0.1)^2 + 1) + nu - 0.1) dB, 0 for nu <= -0.78."""
    if nu <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1.0) + nu - 0.1)


@njit(cache=True, nogil=True)
def path_metrics(elev, void, row_y, row_xs, col_x, r0, c0, z0, r1, c1, zt, d, inv_2reff, wavelength_m):
    """Walk the path tx (r0, c0, eye z0) -> rx (r1, c1, antenna zt): returns
    (min clearance / F1 radius, Bullington nu). Clearance is the ray height
    minus the curvature-corrected terrain; nu per ITU-R P.526-15 section 4.5.
    """
    dr = r1 - r0
    dc = c1 - c0
    n = max(abs(dr), abs(dc))
    zt_c = zt - d * d * inv_2reff
    slope_tr = (zt_c - z0) / d
    s_tim = -np.inf  # steepest slope from tx to any terrain point
    s_rim = -np.inf  # steepest slope from rx to any terrain point
    nu_los = -np.inf
    min_ratio = np.inf
    major_is_col = abs(dc) >= abs(dr)
    for i in range(1, n):
        z, di = sample_on_line(elev, void, row_y, row_xs, col_x, r0, c0, dr, dc, n, i, major_is_col)
        if math.isnan(z) or di <= 0.0 or di >= d:
            continue
        h = z - di * di * inv_2reff
        ray = z0 + slope_tr * di
        f1 = math.sqrt(wavelength_m * di * (d - di) / d)
        ratio = (ray - h) / f1
        if ratio < min_ratio:
            min_ratio = ratio
        s = (h - z0) / di
        if s > s_tim:
            s_tim = s
        s2 = (h - zt_c) / (d - di)
        if s2 > s_rim:
            s_rim = s2
        nu = -ratio * math.sqrt(2.0)  # (h - ray) sqrt(2 d / (lambda d1 d2)) = -clearance/F1 * sqrt(2)
        if nu > nu_los:
            nu_los = nu
    if s_tim == -np.inf:
        return min_ratio, -np.inf
    if s_tim < slope_tr:  # line of sight: the most intrusive point sets nu
        return min_ratio, nu_los
    db = (zt_c - z0 + s_rim * d) / (s_tim + s_rim)  # Bullington point: where the two steepest lines meet
    hb = z0 + s_tim * db
    ray_b = z0 + slope_tr * db
    nu_b = (hb - ray_b) * math.sqrt(2.0 * d / (wavelength_m * db * (d - db)))
    return min_ratio, nu_b


@njit(cache=True, parallel=True)
def radio_map(elev, void, row_y, row_xs, col_x, r0, c0, z0, rx_m, inv_2reff, radius_m, wavelength_m,
              min_ratio_out, nu_out, dist_out):
    """Per cell within the radius: min clearance/F1, Bullington nu and distance (m), float32 in place.

    NaN outside the radius and on voids. The transmitter cell gets +inf ratio, -inf nu.
    """
    rows, cols = elev.shape
    scratch = np.zeros((rows, cols), np.uint8)
    for r in prange(rows):
        for c in range(cols):
            d = distance_at(row_y, row_xs, col_x, float(r), float(c))
            if outside(void, r, c, d, radius_m, scratch, min_ratio_out):
                nu_out[r, c] = np.nan
                dist_out[r, c] = np.nan
                continue
            dist_out[r, c] = d
            if r == r0 and c == c0:
                min_ratio_out[r, c] = np.inf
                nu_out[r, c] = -np.inf
                continue
            ratio, nu = path_metrics(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, elev[r, c] + rx_m, d,
                                     inv_2reff, wavelength_m)
            min_ratio_out[r, c] = ratio
            nu_out[r, c] = nu
