"""Neighbourhood terrain metrics: disc statistics (TPI, relative relief) and prominence."""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def disc_stats(elev, void, off_r, off_c, cell_r, cell_c, mean_out, min_out):
    """Mean and minimum elevation over a disc of cell offsets (off_r, off_c) around each cell (cell_r, cell_c).

    Voids and off-grid cells are skipped; NaN where the disc holds no valid cell. Cost: cells x offsets,
    so only the cells asked for are paid for (a 20 km disc on 1" data holds ~2 million offsets).
    """
    rows, cols = elev.shape
    n = off_r.shape[0]
    for j in prange(cell_r.shape[0]):
        r = cell_r[j]
        c = cell_c[j]
        s = 0.0
        k = 0
        lo = np.inf
        for i in range(n):
            rr = r + off_r[i]
            cc = c + off_c[i]
            if rr < 0 or rr >= rows or cc < 0 or cc >= cols or void[rr, cc]:
                continue
            v = elev[rr, cc]
            s += v
            k += 1
            if v < lo:
                lo = v
        if k == 0:
            mean_out[j] = np.nan
            min_out[j] = np.nan
        else:
            mean_out[j] = s / k
            min_out[j] = lo


@njit(cache=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True)
def prominence(elev, void):
    """Topographic prominence (m) of every summit cell; 0 for cells that are not a summit.

    Cells join in order of decreasing elevation (ties by index); when two
    regions meet at a col, the region with the lower summit ends there and
    that summit's prominence is its height above the col. The highest summit
    gets its height above the lowest valid cell (a lower bound: the grid edge
    may cut its key col off). Union-find over 8-neighbours.
    """
    rows, cols = elev.shape
    n = rows * cols
    flat = elev.ravel()
    vflat = void.ravel()
    order = np.argsort(-flat, kind="mergesort")
    parent = np.arange(n)
    peak = np.arange(n)
    added = np.zeros(n, np.bool_)
    prom = np.zeros(n, np.float32)
    lowest = np.inf
    for idx in order:
        if vflat[idx]:
            continue
        if flat[idx] < lowest:
            lowest = flat[idx]
        added[idx] = True
        r = idx // cols
        c = idx % cols
        for dr in range(-1, 2):
            for dc in range(-1, 2):
                if dr == 0 and dc == 0:
                    continue
                rr = r + dr
                cc = c + dc
                if rr < 0 or rr >= rows or cc < 0 or cc >= cols:
                    continue
                j = rr * cols + cc
                if not added[j]:
                    continue
                a = _find(parent, idx)
                b = _find(parent, j)
                if a == b:
                    continue
                pa = peak[a]
                pb = peak[b]
                # the region whose summit is lower (ties: larger index) ends at this col
                if flat[pa] > flat[pb] or (flat[pa] == flat[pb] and pa < pb):
                    hi, lo_root, lo_peak = a, b, pb
                else:
                    hi, lo_root, lo_peak = b, a, pa
                if lo_peak != idx:
                    prom[lo_peak] = flat[lo_peak] - flat[idx]
                parent[lo_root] = hi  # hi keeps its (higher) summit
    # the surviving summit(s): height above the lowest valid cell
    for idx in range(n):
        if not vflat[idx] and _find(parent, idx) == idx:
            prom[peak[idx]] = flat[peak[idx]] - lowest
    return prom.reshape(rows, cols)
