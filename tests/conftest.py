import os

import numpy as np
import pytest
from affine import Affine

from terrain import Dem

# A transverse Mercator with unit scale on its central meridian: grid metres are true metres there.
LOCAL_TM = "+proj=tmerc +lat_0=48 +lon_0=37 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def make_dem(elevation, cell_m=30.0, void=None):
    """A projected Dem (LOCAL_TM) whose centre sits on the central meridian."""
    elevation = np.asarray(elevation, dtype=np.float32)
    rows, cols = elevation.shape
    transform = Affine(cell_m, 0, -cols * cell_m / 2, 0, -cell_m, rows * cell_m / 2)
    return Dem.from_array(elevation, transform, LOCAL_TM, void=void)


@pytest.fixture(autouse=True)
def _isolated_tile_paths(tmp_path_factory, monkeypatch):
    """No test sees the developer's tile cache or TERRAIN_DEM_PATH."""
    monkeypatch.setenv("TERRAIN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("TERRAIN_DEM_PATH", raising=False)


@pytest.fixture(scope="session")
def pokrovsk_dem():
    """The embedded DTED0 mosaic, 60 km around Pokrovsk (loaded once)."""
    os.environ.pop("TERRAIN_DEM_PATH", None)
    import terrain

    return terrain.load_dem(48.2828, 37.1828, 60_000)
