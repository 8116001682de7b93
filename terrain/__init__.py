"""terrain: terrain, line-of-sight and radio-horizon analysis.

The public API is re-exported here and imported on first use (PEP 562), so ``import terrain`` and the
CLI's start do not pay for rasterio, pyproj and numba until a command needs them.
"""

import sys
import types
from importlib import import_module

from .errors import (
    CoarseDemWarning,
    CorruptTileError,
    DeviceUnavailableError,
    DownloadError,
    InvalidParameterError,
    MissingElevationError,
    TerrainError,
    TerrainWarning,
    VoidWarning,
)

__version__ = "0.1.0"

_LAZY = {
    "Dem": "elevation", "load_dem": "elevation", "open_dem": "elevation",
    "jamming_margin": "jamming", "coverage": "radio", "profile": "radio", "fetch_tile": "tiles",
    "total_viewshed": "total", "ViewshedResult": "viewshed", "viewshed": "viewshed", "viewshed_count": "viewshed",
}

__all__ = [
    "CoarseDemWarning",
    "CorruptTileError",
    "Dem",
    "DeviceUnavailableError",
    "DownloadError",
    "InvalidParameterError",
    "MissingElevationError",
    "TerrainError",
    "TerrainWarning",
    "ViewshedResult",
    "VoidWarning",
    "coverage",
    "fetch_tile",
    "jamming_margin",
    "load_dem",
    "open_dem",
    "profile",
    "total_viewshed",
    "viewshed",
    "viewshed_count",
]


class _Package(types.ModuleType):
    """``terrain.viewshed`` is the function, as it always was, even after the submodule of the same name is
    imported (the import system then sets the package attribute to the module)."""

    def __setattr__(self, name, value):
        if name in _LAZY and isinstance(value, types.ModuleType) and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    """The public functions and classes, imported from their modules on first use."""
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    try:
        return import_module(f".{name}", __name__)  # submodules: terrain.geodesy, terrain.tiles, ...
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
