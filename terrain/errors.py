"""Every exception and warning terrain raises (one root, builtin mix-ins)."""


class TerrainError(Exception):
    """Root of every error terrain raises on purpose."""


class InvalidParameterError(TerrainError, ValueError):
    """A parameter is out of range: the message names it, the value and the allowed range."""


class MissingElevationError(TerrainError, LookupError):
    """Elevation is needed where no tile is available (never filled with sea level)."""

    def __init__(self, message, tiles=()):
        super().__init__(message)
        self.tiles = tuple(tiles)


class CorruptTileError(TerrainError, OSError):
    """A tile file is truncated, the wrong size or not readable as elevation."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class DownloadError(TerrainError, OSError):
    """A tile could not be downloaded after every retry."""


class UnsupportedDemError(TerrainError, ValueError):
    """A readable raster that cannot be used as elevation here (too large, no usable CRS, degenerate grid)."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class OutputError(TerrainError, OSError):
    """An output file could not be written; nothing of the failed run is left behind."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class DeviceUnavailableError(TerrainError, RuntimeError):
    """A compute device (e.g. CUDA) was asked for but is not present."""


class ServerError(TerrainError, RuntimeError):
    """``terrain server`` could not start (no Unix sockets here, a socket directory others can enter, or the
    server process stopped during its warm-up)."""


class TerrainWarning(UserWarning):
    """Root of terrain's warnings."""


class VoidWarning(TerrainWarning):
    """The DEM has void (nodata) cells inside the area of a computation."""


class CoarseDemWarning(TerrainWarning):
    """The DEM is coarser than ~3 arc-seconds: narrow valleys are smoothed away."""
