import os

import pytest


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
