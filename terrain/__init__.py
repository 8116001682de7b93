"""terrain: terrain, line-of-sight and radio-horizon analysis."""

from .elevation import Dem, load_dem, open_dem
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
from .jamming import jamming_margin
from .radio import coverage, profile
from .tiles import fetch_tile
from .total import total_viewshed
from .viewshed import ViewshedResult, viewshed, viewshed_count

__version__ = "0.1.0"

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
