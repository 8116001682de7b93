"""Radio path kernels: Fresnel clearance and delta-Bullington diffraction (kernels/diffraction.py) along
each sight line, plus the NumPy closed forms (Fresnel radius, free-space loss); J(nu) is
``diffraction.knife_edge_j``.

Heights are taken relative to the transmitter's tangent plane with the
curvature drop d^2 / (2 r_eff) (r_eff = K R), which is the same as ITU-R
P.526's earth bulge d_i (d - d_i) / (2 r_eff) up to a straight line, so
clearances and nu are unchanged.
"""

import math

import numba
import numpy as np
from numba import njit

from ..threads import run_all
from .diffraction import delta_bullington
from .geometry import distance_at, sample_on_line
from .los import outside


def fresnel_radius_m(d1_m, d2_m, wavelength_m):
    """First Fresnel zone radius r1 = sqrt(lambda d1 d2 / (d1 + d2)) (m); 0 at either end. NumPy, any shape."""
    d1, d2 = np.asarray(d1_m, dtype=np.float64), np.asarray(d2_m, dtype=np.float64)
    inside = (d1 > 0.0) & (d2 > 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sqrt(wavelength_m * d1 * d2 / np.where(inside, d1 + d2, 1.0))
    return np.where(inside, r, 0.0)[()]


def free_space_loss_db(d_m, wavelength_m):
    """Free-space path loss 20 log10(4 pi d / lambda) (dB); NaN closer than one wavelength (near field,
    where Friis would give a gain). NumPy, any shape."""
    d = np.asarray(d_m, dtype=np.float64)
    far = d >= wavelength_m
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = 20.0 * np.log10(4.0 * np.pi * np.where(far, d, 1.0) / wavelength_m)
    return np.where(far, loss, np.nan)[()]


@njit(cache=True, nogil=True, error_model="numpy")
def _sample_path(elev, void, row_y, row_xs, col_x, r0, c0, r1, c1, d, d_buf, z_buf):
    """The path (r0, c0) -> (r1, c1), d m long, sampled where it crosses the major axis's grid lines (void
    samples skipped) into d_buf / z_buf (>= n + 1 long): distance m and terrain m, the two ends first and
    last. Returns the samples stored."""
    dr = r1 - r0
    dc = c1 - c0
    n = max(abs(dr), abs(dc))
    major_is_col = abs(dc) >= abs(dr)
    d_buf[0] = 0.0
    z_buf[0] = elev[r0, c0]
    m = 1
    for i in range(1, n):
        z, di = sample_on_line(elev, void, row_y, row_xs, col_x, r0, c0, dr, dc, n, i, major_is_col)
        if math.isnan(z) or di <= 0.0 or di >= d:
            continue
        d_buf[m] = di
        z_buf[m] = z
        m += 1
    d_buf[m] = d
    z_buf[m] = elev[r1, c1]
    return m + 1


@njit(cache=True, nogil=True, error_model="numpy")
def _min_clearance(d_buf, z_buf, m, z0, zt, inv_2reff, wavelength_m):
    """Min over a sampled path's inner samples (``_sample_path``) of clearance / F1 radius, antennas at
    z0 (start) and zt (end, m a.s.l.); +inf with no inner sample."""
    d = d_buf[m - 1]
    slope_tr = (zt - d * d * inv_2reff - z0) / d
    min_ratio = np.inf
    for i in range(1, m - 1):
        di = d_buf[i]
        h = z_buf[i] - di * di * inv_2reff  # the tangent-plane frame: the bulge frame up to a straight line
        ratio = (z0 + slope_tr * di - h) / math.sqrt(wavelength_m * di * (d - di) / d)
        if ratio < min_ratio:
            min_ratio = ratio
    return min_ratio


@njit(cache=True, nogil=True, error_model="numpy")
def path_metrics(elev, void, row_y, row_xs, col_x, r0, c0, z0, r1, c1, zt, d, inv_2reff, wavelength_m, d_buf, z_buf):
    """Walk the path tx (r0, c0, antenna z0 m a.s.l.) -> rx (r1, c1, antenna zt): returns (min clearance /
    F1 radius, diffraction loss dB by delta-Bullington, nu of the actual profile); d_buf / z_buf as in
    ``_sample_path``.
    """
    m = _sample_path(elev, void, row_y, row_xs, col_x, r0, c0, r1, c1, d, d_buf, z_buf)
    loss, _, nu = delta_bullington(d_buf, z_buf, m, z0, zt, inv_2reff, wavelength_m)
    return _min_clearance(d_buf, z_buf, m, z0, zt, inv_2reff, wavelength_m), loss, nu


@njit(cache=True, nogil=True)
def _clear_lattice_rows(elev, void, row_y, row_xs, col_x, r0, c0, z0, rx_m, inv_2reff, radius_m, wavelength_m,
                        fresnel, stride, cell_area, r_start, r_end):
    """Lattice rows r_start, r_start + stride, ... < r_end of clear_area_on_lattice: (clear m^2 per receiver
    height in rx_m, cells tried). Each path is sampled once; every height reuses the samples."""
    rows, cols = elev.shape
    d_buf = np.empty(rows + cols + 2)
    z_buf = np.empty(rows + cols + 2)
    area = np.zeros(rx_m.shape[0])
    tried = 0
    for r in range(r_start, r_end, stride):
        for c in range(c0 % stride, cols, stride):
            d = distance_at(row_y, row_xs, col_x, float(r), float(c))
            if d > radius_m or void[r, c] or (r == r0 and c == c0):
                continue
            tried += 1
            m = _sample_path(elev, void, row_y, row_xs, col_x, r0, c0, r, c, d, d_buf, z_buf)
            for j in range(rx_m.shape[0]):
                if _min_clearance(d_buf, z_buf, m, z0, elev[r, c] + rx_m[j], inv_2reff, wavelength_m) >= fresnel:
                    area[j] += cell_area[r] * stride * stride
    return area, tried


def clear_area_on_lattice(elev, void, row_y, row_xs, col_x, r0, c0, z0, rx_m, inv_2reff, radius_m, wavelength_m,
                          fresnel, stride, cell_area):
    """Fresnel-clear area (m^2, one per receiver height in the float64 array rx_m) within the radius,
    estimated from the cells of a lattice of every ``stride``-th row and column through the transmitter
    (r0, c0), each path sampled at the grid's full resolution and standing for stride^2 cells:
    (areas, cells walked). cell_area: m^2 per row. Lattice rows run on ``terrain.threads``.
    """
    first = int(r0) % stride
    n_rows = len(range(first, elev.shape[0], stride))
    parts = min(n_rows, 4 * max(1, numba.get_num_threads()))
    cuts = [first + stride * int(round(n_rows * p / parts)) for p in range(parts + 1)]

    def run(p):
        return _clear_lattice_rows(elev, void, row_y, row_xs, col_x, int(r0), int(c0), float(z0), rx_m,
                                   float(inv_2reff), float(radius_m), float(wavelength_m), float(fresnel),
                                   int(stride), cell_area, cuts[p], cuts[p + 1])

    done = run_all(run, range(parts))
    return sum(a for a, _ in done), sum(n for _, n in done)


@njit(cache=True, nogil=True)
def _radio_rows(elev, void, row_y, row_xs, col_x, r0, c0, z0, rx_m, inv_2reff, radius_m, wavelength_m,
                r_start, r_end, scratch, min_ratio_out, loss_out, dist_out):
    """Rows r_start..r_end - 1 of radio_map, with this task's own sample buffers."""
    rows, cols = elev.shape
    d_buf = np.empty(rows + cols + 2)
    z_buf = np.empty(rows + cols + 2)
    for r in range(r_start, r_end):
        for c in range(cols):
            d = distance_at(row_y, row_xs, col_x, float(r), float(c))
            if outside(void, r, c, d, radius_m, scratch, min_ratio_out):
                loss_out[r, c] = np.nan
                dist_out[r, c] = np.nan
                continue
            dist_out[r, c] = d
            if r == r0 and c == c0:
                min_ratio_out[r, c] = np.inf
                loss_out[r, c] = 0.0
                continue
            ratio, loss, _ = path_metrics(elev, void, row_y, row_xs, col_x, r0, c0, z0, r, c, elev[r, c] + rx_m, d,
                                          inv_2reff, wavelength_m, d_buf, z_buf)
            min_ratio_out[r, c] = ratio
            loss_out[r, c] = loss


def radio_map(elev, void, row_y, row_xs, col_x, r0, c0, z0, rx_m, inv_2reff, radius_m, wavelength_m,
              min_ratio_out, loss_out, dist_out):
    """Per cell within the radius: min clearance/F1, diffraction loss (dB) and distance (m), float32 in place.

    NaN outside the radius and on voids. The transmitter cell gets +inf ratio and 0 dB. Blocks of rows run
    on ``terrain.threads``; each cell is computed alone, so the result does not depend on the thread count.
    """
    rows = elev.shape[0]
    scratch = np.zeros(elev.shape, np.uint8)
    bounds = np.linspace(0, rows, min(rows, 4 * max(1, numba.get_num_threads())) + 1).astype(np.int64)

    def run(p):
        _radio_rows(elev, void, row_y, row_xs, col_x, int(r0), int(c0), float(z0), float(rx_m), float(inv_2reff),
                    float(radius_m), float(wavelength_m), int(bounds[p]), int(bounds[p + 1]), scratch,
                    min_ratio_out, loss_out, dist_out)

    run_all(run, range(len(bounds) - 1))
