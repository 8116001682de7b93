"""Slow, obviously correct pure-Python references (no numba), named like the API."""

from __future__ import annotations

import math

import numpy as np


def viewshed(elev, void, r0, c0, z0, target_m, dx_m, dy_m, inv_2reff, radius_m):
    """R3 viewshed on a projected grid with square-ish cells dx_m x dy_m.

    Returns (visible bool, horizon tan float) computed with plain loops: for
    each target, the sight line crosses every column (or row) between; terrain
    there is linear between the two cells either side; voids never block.
    """
    rows, cols = elev.shape
    vis = np.zeros((rows, cols), bool)
    for r in range(rows):
        for c in range(cols):
            d_t = math.hypot((r - r0) * dy_m, (c - c0) * dx_m)
            if d_t > radius_m or void[r, c]:
                continue
            if (r, c) == (r0, c0):
                vis[r, c] = True
                continue
            n = max(abs(r - r0), abs(c - c0))
            horizon = -math.inf
            for i in range(1, n):
                t = i / n
                if abs(c - c0) >= abs(r - r0):
                    cc = c0 + round(t * (c - c0))
                    rr = r0 + t * (r - r0)
                    lo = math.floor(rr)
                    hi = lo + 1 if rr > lo else lo
                    if void[lo, cc] or void[hi, cc]:
                        continue
                    z = elev[lo, cc] + (elev[hi, cc] - elev[lo, cc]) * (rr - lo)
                    d = math.hypot((rr - r0) * dy_m, (cc - c0) * dx_m)
                else:
                    rr = r0 + round(t * (r - r0))
                    cc = c0 + t * (c - c0)
                    lo = math.floor(cc)
                    hi = lo + 1 if cc > lo else lo
                    if void[rr, lo] or void[rr, hi]:
                        continue
                    z = elev[rr, lo] + (elev[rr, hi] - elev[rr, lo]) * (cc - lo)
                    d = math.hypot((rr - r0) * dy_m, (cc - c0) * dx_m)
                horizon = max(horizon, (z - d * d * inv_2reff - z0) / d)
            a_t = (elev[r, c] + target_m - d_t * d_t * inv_2reff - z0) / d_t
            vis[r, c] = a_t >= horizon
    return vis


def horizon_distance_m(h_m, r_eff_m):
    """Smooth-earth distance to the horizon from height h: sqrt(2 r_eff h) (m)."""
    return math.sqrt(2.0 * r_eff_m * h_m)


def delta_bullington_db(d_m, z_m, hts_m, hrs_m, r_eff_m, wavelength_m):
    """ITU-R P.452-17 4.2 / P.526-15 4.5 delta-Bullington loss (dB), written as the Recommendation states it:
    distances in km, heights in m, C_e = 1/a (1/km), land, vertical polarisation. Plain Python."""
    d = [x / 1000.0 for x in d_m]
    h = list(z_m)
    a = r_eff_m / 1000.0
    lam = wavelength_m
    f = 0.299792458 / lam

    def bull(hh, hts, hrs):
        ce = 1.0 / a
        dt = d[-1]
        inner = range(1, len(d) - 1)
        stim = max(((hh[i] + 500 * ce * d[i] * (dt - d[i]) - hts) / d[i] for i in inner), default=-math.inf)
        str_ = (hrs - hts) / dt
        if stim < str_:
            nu = max(((hh[i] + 500 * ce * d[i] * (dt - d[i]) - (hts * (dt - d[i]) + hrs * d[i]) / dt)
                      * math.sqrt(0.002 * dt / (lam * d[i] * (dt - d[i]))) for i in inner), default=-math.inf)
        else:
            srim = max((hh[i] + 500 * ce * d[i] * (dt - d[i]) - hrs) / (dt - d[i]) for i in inner)
            db = (hrs - hts + srim * dt) / (stim + srim)
            nu = (hts + stim * db - (hts * (dt - db) + hrs * db) / dt) * math.sqrt(0.002 * dt / (lam * db * (dt - db)))
        luc = 0.0 if nu <= -0.78 else 6.9 + 20 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1) + nu - 0.1)
        return luc + (1 - math.exp(-luc / 6)) * (10 + 0.02 * dt)

    def first_term(dt, hte, hre, adft):
        eps, sigma = 22.0, 0.003
        k = 0.036 * (adft * f) ** (-1 / 3) * ((eps - 1) ** 2 + (18 * sigma / f) ** 2) ** (-1 / 4)
        k = k * (eps**2 + (18 * sigma / f) ** 2) ** 0.5  # vertical polarisation
        beta = (1 + 1.6 * k**2 + 0.67 * k**4) / (1 + 4.5 * k**2 + 1.53 * k**4)
        x = 21.88 * beta * (f / adft**2) ** (1 / 3) * dt
        fx = 11 + 10 * math.log10(x) - 17.6 * x if x >= 1.6 else -20 * math.log10(x) - 5.6488 * x**1.425

        def g(y):
            b = beta * y
            v = 17.6 * (b - 1.1) ** 0.5 - 5 * math.log10(b - 1.1) - 8 if b > 2 else (
                20 * math.log10(b + 0.1 * b**3) if b > 0 else -math.inf)
            return max(v, 2 + 20 * math.log10(k))

        y = 0.9575 * beta * (f**2 / adft) ** (1 / 3)
        return -fx - g(y * hte) - g(y * hre)

    def sph(dt, hte, hre):
        dlos = math.sqrt(2 * a) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))
        if dt >= dlos:
            return first_term(dt, hte, hre, a)
        c = (hte - hre) / (hte + hre)
        m = 250 * dt * dt / (a * (hte + hre))
        b = 2 * math.sqrt((m + 1) / (3 * m)) * math.cos(math.pi / 3 + math.acos(1.5 * c * math.sqrt(3 * m / (m + 1) ** 3)) / 3)
        dse1 = dt / 2 * (1 + b)
        dse2 = dt - dse1
        hse = ((hte - 500 * dse1**2 / a) * dse2 + (hre - 500 * dse2**2 / a) * dse1) / dt
        hreq = 17.456 * math.sqrt(dse1 * dse2 * lam / dt)
        if hse > hreq:
            return 0.0
        aem = 500 * (dt / (math.sqrt(hte) + math.sqrt(hre))) ** 2
        return max(0.0, (1 - hse / hreq) * first_term(dt, hte, hre, aem))

    dt = d[-1]
    n = len(d)
    v1 = sum((d[i] - d[i - 1]) * (h[i] + h[i - 1]) for i in range(1, n))
    v2 = sum((d[i] - d[i - 1]) * (h[i] * (2 * d[i] + d[i - 1]) + h[i - 1] * (d[i] + 2 * d[i - 1])) for i in range(1, n))
    hst, hsr = (2 * v1 * dt - v2) / dt**2, (v2 - v1 * dt) / dt**2
    hh = [h[i] - (hts_m * (dt - d[i]) + hrs_m * d[i]) / dt for i in range(1, n - 1)]
    hobs = max(hh, default=-math.inf)
    if hobs > 0:
        at = max(hh[i - 1] / d[i] for i in range(1, n - 1))
        ar = max(hh[i - 1] / (dt - d[i]) for i in range(1, n - 1))
        hst, hsr = hst - hobs * at / (at + ar), hsr - hobs * ar / (at + ar)
    hstd, hsrd = min(hst, h[0]), min(hsr, h[-1])
    hte, hre = hts_m - hstd, hrs_m - hsrd
    lba = bull(h, hts_m, hrs_m)
    lbs = bull([0.0] * n, hte, hre)
    return lba + max(sph(dt, hte, hre) - lbs, 0.0)
