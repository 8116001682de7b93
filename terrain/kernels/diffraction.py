"""Terrain diffraction loss: the complete "delta-Bullington" method (ITU-R P.526-15 section 4.5, in the
step-by-step form of ITU-R P.452-17 section 4.2 and 5.1.6).

L_d = L_ba + max(L_sph - L_bs, 0), where
* L_ba: Bullington loss of the actual profile, L_uc + (1 - exp(-L_uc / 6)) (10 + 0.02 d_km), L_uc = J(nu_b);
* L_bs: the same for a profile of zero heights with the antennas at their heights above the smooth
  surface fitted to the terrain (least squares, lowered under obstructions, never above the ground);
* L_sph: spherical-earth diffraction loss for those heights (first term of the residue series, land,
  vertical polarisation), scaled inside the smooth-earth horizon.

Inputs are plain arrays: distances d (m, d[0] = 0 at the transmitter, d[-1] = path length) and terrain
heights z (m above sea level, no NaN) of the same length, ends included.
"""

import math

from numba import njit

#: Ground constants of "average land" (ITU-R P.527): relative permittivity and conductivity (S/m).
LAND_PERMITTIVITY = 22.0
LAND_CONDUCTIVITY_S_M = 0.003


@njit(cache=True, nogil=True, error_model="numpy")
def knife_edge_j(nu):
    """J(nu) = 6.9 + 20 log10(sqrt((nu - 0.1)^2 + 1) + nu - 0.1) dB (P.526-15 eq. 31), 0 for nu <= -0.78."""
    if nu <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1.0) + nu - 0.1)


@njit(cache=True, nogil=True, error_model="numpy")
def bullington_corrected(l_uc, d_m):
    """L_b = L_uc + (1 - exp(-L_uc / 6)) (10 + 0.02 d_km) dB (P.526-15 eq. 53)."""
    return l_uc + (1.0 - math.exp(-l_uc / 6.0)) * (10.0 + 0.02 * d_m / 1000.0)


@njit(cache=True, nogil=True, error_model="numpy")
def bullington_nu(d, z, n, flat, hts, hrs, inv_2reff, wavelength_m):
    """Bullington nu of the equivalent edge (P.526-15 4.5.1) over samples 1..n-2 of (d, z), heights m a.s.l.
    with the earth bulge d_i (D - d_i) / (2 r_eff) added; flat: take every height as 0. -inf with no inner sample."""
    dist = d[n - 1]
    s_tr = (hrs - hts) / dist
    s_tim = -math.inf  # steepest slope from the transmitter to any point
    s_rim = -math.inf  # ... and from the receiver
    nu_los = -math.inf
    for i in range(1, n - 1):
        di = d[i]
        if di <= 0.0 or di >= dist:
            continue
        h = (0.0 if flat else z[i]) + di * (dist - di) * inv_2reff
        s_tim = max(s_tim, (h - hts) / di)
        s_rim = max(s_rim, (h - hrs) / (dist - di))
        ray = (hts * (dist - di) + hrs * di) / dist
        nu_los = max(nu_los, (h - ray) * math.sqrt(2.0 * dist / (wavelength_m * di * (dist - di))))
    if s_tim == -math.inf or s_tim < s_tr:  # line of sight: the most intrusive point sets nu
        return nu_los
    if s_tim + s_rim <= 0.0:  # the two lines never meet inside the path (degenerate): the LOS rule decides
        return nu_los
    db = (hrs - hts + s_rim * dist) / (s_tim + s_rim)  # where the two steepest lines meet
    db = min(max(db, 1e-6 * dist), (1.0 - 1e-6) * dist)
    hb = hts + s_tim * db
    ray_b = (hts * (dist - db) + hrs * db) / dist
    return (hb - ray_b) * math.sqrt(2.0 * dist / (wavelength_m * db * (dist - db)))


@njit(cache=True, nogil=True, error_model="numpy")
def smooth_surface_heights(d, z, n, hts, hrs):
    """Heights (m a.s.l.) of the smooth surface under each antenna for the diffraction model (P.452-17
    eqs. 161-167): the least-squares line through the profile, lowered where the terrain rises above the
    direct ray, and never above the ground at either end."""
    dist = d[n - 1]
    v1 = 0.0
    v2 = 0.0
    for i in range(1, n):
        step = d[i] - d[i - 1]
        v1 += step * (z[i] + z[i - 1])
        v2 += step * (z[i] * (2.0 * d[i] + d[i - 1]) + z[i - 1] * (d[i] + 2.0 * d[i - 1]))
    hst = (2.0 * v1 * dist - v2) / (dist * dist)
    hsr = (v2 - v1 * dist) / (dist * dist)
    h_obs = -math.inf
    a_t = -math.inf
    a_r = -math.inf
    for i in range(1, n - 1):
        di = d[i]
        if di <= 0.0 or di >= dist:
            continue
        hh = z[i] - (hts * (dist - di) + hrs * di) / dist
        h_obs = max(h_obs, hh)
        a_t = max(a_t, hh / di)
        a_r = max(a_r, hh / (dist - di))
    if h_obs > 0.0 and a_t + a_r > 0.0:
        hst -= h_obs * a_t / (a_t + a_r)
        hsr -= h_obs * a_r / (a_t + a_r)
    return min(hst, z[0]), min(hsr, z[n - 1])


@njit(cache=True, nogil=True, error_model="numpy")
def _g_height(b, k):
    """Height-gain term G(Y) (dB) of the first-term formula (P.452-17 eq. 36), floored at 2 + 20 log10 K."""
    if b > 2.0:
        g = 17.6 * math.sqrt(b - 1.1) - 5.0 * math.log10(b - 1.1) - 8.0
    else:
        g = 20.0 * math.log10(b + 0.1 * b ** 3) if b > 0.0 else -math.inf
    return max(g, 2.0 + 20.0 * math.log10(k))


@njit(cache=True, nogil=True, error_model="numpy")
def first_term_loss(d_km, hte_m, hre_m, a_km, f_ghz):
    """First-term spherical-earth diffraction loss (dB), land, vertical polarisation (P.452-17 eqs. 30-37)."""
    eps, sigma = LAND_PERMITTIVITY, LAND_CONDUCTIVITY_S_M
    k_h = 0.036 * (a_km * f_ghz) ** (-1.0 / 3.0) * ((eps - 1.0) ** 2 + (18.0 * sigma / f_ghz) ** 2) ** -0.25
    k = k_h * math.sqrt(eps ** 2 + (18.0 * sigma / f_ghz) ** 2)
    beta = (1.0 + 1.6 * k ** 2 + 0.67 * k ** 4) / (1.0 + 4.5 * k ** 2 + 1.53 * k ** 4)
    x = 21.88 * beta * (f_ghz / a_km ** 2) ** (1.0 / 3.0) * d_km
    y = 0.9575 * beta * (f_ghz ** 2 / a_km) ** (1.0 / 3.0)
    if x >= 1.6:
        fx = 11.0 + 10.0 * math.log10(x) - 17.6 * x
    else:
        fx = -20.0 * math.log10(x) - 5.6488 * x ** 1.425
    return -fx - _g_height(beta * y * hte_m, k) - _g_height(beta * y * hre_m, k)


@njit(cache=True, nogil=True, error_model="numpy")
def spherical_earth_loss(d_m, hte_m, hre_m, r_eff_m, wavelength_m):
    """Spherical-earth diffraction loss (dB) over d_m for antennas hte_m, hre_m above a smooth earth of
    radius r_eff_m (P.526-15 3.2 / P.452-17 eqs. 23-28): the first term beyond the smooth-earth horizon,
    zero where the ray clears the earth by 0.552 of the first Fresnel zone, scaled between."""
    d_km = d_m / 1000.0
    a_km = r_eff_m / 1000.0
    f_ghz = 0.299792458 / wavelength_m
    hte = max(hte_m, 0.0)
    hre = max(hre_m, 0.0)
    d_los = math.sqrt(2.0 * a_km) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))
    if d_km >= d_los:
        return first_term_loss(d_km, hte, hre, a_km, f_ghz)
    c = (hte - hre) / (hte + hre)
    m = 250.0 * d_km * d_km / (a_km * (hte + hre))
    b = 2.0 * math.sqrt((m + 1.0) / (3.0 * m)) * math.cos(
        math.pi / 3.0 + math.acos(min(1.0, max(-1.0, 1.5 * c * math.sqrt(3.0 * m / (m + 1.0) ** 3)))) / 3.0)
    d1 = d_km / 2.0 * (1.0 + b)
    d2 = d_km - d1
    h_se = ((hte - 500.0 * d1 * d1 / a_km) * d2 + (hre - 500.0 * d2 * d2 / a_km) * d1) / d_km
    h_req = 17.456 * math.sqrt(max(d1 * d2, 0.0) * wavelength_m / d_km)
    if h_se > h_req or h_req <= 0.0:  # clear of 0.552 F1 (or the clearance point is an antenna)
        return 0.0
    a_em = 500.0 * (d_km / (math.sqrt(hte) + math.sqrt(hre))) ** 2
    l_ft = first_term_loss(d_km, hte, hre, a_em, f_ghz)
    return max(0.0, (1.0 - h_se / h_req) * l_ft)


@njit(cache=True, nogil=True, error_model="numpy")
def delta_bullington(d, z, n, hts, hrs, inv_2reff, wavelength_m):
    """Diffraction loss (dB) of the path over samples 0..n-1 of (d m, z m a.s.l.); antennas at hts, hrs (m
    a.s.l.). Returns (L_d, L_ba, nu of the actual profile)."""
    dist = d[n - 1]
    nu_a = bullington_nu(d, z, n, False, hts, hrs, inv_2reff, wavelength_m)
    l_ba = bullington_corrected(knife_edge_j(nu_a), dist)
    hstd, hsrd = smooth_surface_heights(d, z, n, hts, hrs)
    hte, hre = hts - hstd, hrs - hsrd  # antenna heights above the smooth surface (>= above ground)
    nu_s = bullington_nu(d, z, n, True, hte, hre, inv_2reff, wavelength_m)
    l_bs = bullington_corrected(knife_edge_j(nu_s), dist)
    l_sph = spherical_earth_loss(dist, hte, hre, 0.5 / inv_2reff, wavelength_m)
    return l_ba + max(l_sph - l_bs, 0.0), l_ba, nu_a
