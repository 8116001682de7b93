"""Test helpers: DEM construction."""

import numpy as np
from affine import Affine

from terrain import Dem

# A transverse Mercator with unit scale on its central meridian: grid metres are true metres there.
LOCAL_TM = "+proj=tmerc +lat_0=48 +lon_0=37 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def make_dem(elevation, cell_m=30.0, void=None):
    """A projected Dem (LOCAL_TM) centred on the central meridian; cell (r, c) centre at grid_xy(r, c)."""
    elevation = np.asarray(elevation, dtype=np.float32)
    rows, cols = elevation.shape
    transform = Affine(cell_m, 0, -cols * cell_m / 2, 0, -cell_m, rows * cell_m / 2)
    return Dem.from_array(elevation, transform, LOCAL_TM, void=void)


def cell_xy(dem, row, col):
    """DEM-CRS coordinates of a cell centre."""
    t = dem.transform
    return t.c + t.a * (col + 0.5), t.f + t.e * (row + 0.5)
