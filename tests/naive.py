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
