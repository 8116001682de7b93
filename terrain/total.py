"""Total viewshed: the visible area within a radius from every (``stride``-th) cell of a DEM.

Two methods (``constants.TOTAL_VIEWSHED_METHOD`` is the default):

- ``"sector"``: sector rays shared by all observers of a row (``kernels/sector.py``, after Tabik et al.
  2015 and the sDEM layout of Sanchez-Fernandez et al. 2021); ``n_directions`` sectors of equal metric
  azimuth. Cost ~ cells x directions x radius in cells. An estimate of the area: within 0.3-0.4 % mean
  absolute error of the exact per-observer areas on 3" terrain with 360 sectors (tests, benchmarks).
- ``"checked"``: the certified lockstep viewshed (``kernels/certify.py``; visibility equal to the exact R3
  walk) on every observer's radius window, counting visible cells x cell area. Cost ~ cells x radius^2 in
  cells.

Both are parallel over observers and give the same bits on any number of threads and on Dask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import constants, geodesy
from .elevation import Dem
from .errors import DeviceUnavailableError, InvalidParameterError
from .kernels import sector
from .viewshed import _check_physics, inverse_2reff, visible_areas

METHODS = ("sector", "checked")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class SectorGrid:
    """Kernel inputs of the sector method computed once for a whole DEM (tiles slice them)."""

    geographic: bool
    row_coord: np.ndarray  # row-centre coordinate (radians if geographic, else CRS units)
    col_step: float  # column spacing in the same unit
    row_scale: np.ndarray  # projection point scale factor of each row (1 on geographic grids)
    half_rows: int  # frame rows each side of an observer row
    max_steps: int  # longest ray, in steps


def sector_grid(dem: Dem, radius_m: float) -> SectorGrid:
    """The sector kernel's view of ``dem`` for rays of ``radius_m``."""
    row_coord, _, geographic = geodesy.cell_centres(dem.transform, dem.crs, dem.shape)
    if geographic:
        col_step = math.radians(dem.transform.a * geodesy.degrees_per_unit(dem.crs))
        scale = np.ones(dem.shape[0])
    else:
        col_step = float(dem.transform.a)
        scale = geodesy.row_scales(dem.transform, dem.crs, dem.shape)
    reach_m = min(radius_m, float(dem.cell_dy_m.max()) * dem.shape[0] + float(dem.cell_dx_m.max()) * dem.shape[1])
    half_rows = min(int(math.ceil(reach_m / float(dem.cell_dy_m.min()))) + 4, dem.shape[0] + 4)  # no ray leaves the grid
    max_steps = max(half_rows, min(int(math.ceil(reach_m / float(dem.cell_dx_m.min()))) + 4, sum(dem.shape) + 4))
    return SectorGrid(geographic, row_coord, col_step, scale, half_rows, max_steps)


def sector_areas(elev, grid: SectorGrid, obs_rows, c_first: int, c_end: int, stride: int, observer_m: float,
                 target_m: float, inv_2reff: float, radius_m: float, n_directions: int,
                 device: str = "cpu") -> np.ndarray:
    """Sector kernel on (a window of) the DEM: m^2 (len(obs_rows), cols), NaN off the observer lattice."""
    if device == "cuda":
        from .kernels import cuda as cuda_kernels

        return cuda_kernels.sector_total_viewshed_cuda(
            elev, grid.geographic, grid.row_coord, grid.col_step, grid.row_scale, constants.WGS84_A_M,
            constants.WGS84_E2, np.asarray(obs_rows, np.int64), int(c_first), int(c_end), int(stride), observer_m,
            target_m, inv_2reff, radius_m, int(n_directions), grid.half_rows, grid.max_steps,
            constants.CUDA_ROWS_PER_BATCH, constants.CUDA_THREADS_PER_BLOCK)
    return sector.sector_total_viewshed(
        elev, grid.geographic, grid.row_coord, grid.col_step, grid.row_scale, constants.WGS84_A_M,
        constants.WGS84_E2, np.asarray(obs_rows, np.int64), int(c_first), int(c_end), int(stride), observer_m,
        target_m, inv_2reff, radius_m, int(n_directions), grid.half_rows, grid.max_steps)


def observer_region(dem: Dem, region, stride: int) -> tuple[int, int, int, int]:
    """First lattice row, end row, first lattice column, end column of the observers in ``region``
    ((row_start, row_end, col_start, col_end), half-open; None: the whole grid) on the stride lattice
    anchored at cell (0, 0); InvalidParameterError if the region is empty or leaves the grid."""
    rows, cols = dem.shape
    if region is None:
        return 0, rows, 0, cols
    try:
        ra, rb, ca, cb = (int(v) for v in region)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"region {region!r} must be (row_start, row_end, col_start, col_end)") from None
    if not (0 <= ra < rb <= rows and 0 <= ca < cb <= cols):
        raise InvalidParameterError(f"region {region!r} must be a non-empty block of the {rows}x{cols} grid")
    s = int(stride)
    return -(-ra // s) * s, rb, -(-ca // s) * s, cb


def check_device(device: str, method: str, client) -> None:
    """``device="cuda"`` needs the sector method, no Dask client and a usable CUDA GPU (else DeviceUnavailableError)."""
    if device not in DEVICES:
        raise InvalidParameterError(f"device {device!r} must be one of {', '.join(DEVICES)}")
    if device == "cpu":
        return
    if method != "sector" or client is not None:
        raise InvalidParameterError("device='cuda' runs the sector method in this process (no Dask client)")
    from numba import cuda

    if not cuda.is_available():
        raise DeviceUnavailableError("device='cuda' asked for, but numba finds no usable CUDA GPU/driver")


def check_method(method: str, n_directions: int, stride: int) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidParameterError(f"method {method!r} must be one of {', '.join(METHODS)}")
    if not _is_int(n_directions) or not 4 <= n_directions <= 100_000:
        raise InvalidParameterError(f"n_directions {n_directions!r} must be an integer from 4 to 100000")
    if not _is_int(stride) or stride < 1:
        raise InvalidParameterError(f"stride {stride!r} must be an integer >= 1")


def _is_int(value) -> bool:
    """True for an int (or numpy integer), not a bool, float or text."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def total_viewshed(
    dem: Dem,
    radius_m: float,
    *,
    observer_height: float = constants.OBSERVER_HEIGHT_M,
    target_height: float = constants.TARGET_HEIGHT_M,
    refraction: float = constants.REFRACTION_LIGHT,
    curvature: bool = True,
    stride: int = 1,
    method: str = constants.TOTAL_VIEWSHED_METHOD,
    n_directions: int = constants.TOTAL_VIEWSHED_DIRECTIONS,
    device: str = "cpu",
    client=None,
    tile: int = 256,
    progress=None,
    region: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """Total viewshed: visible area (km^2, float32) within ``radius_m`` from every ``stride``-th cell.

    NaN off the observer lattice and on voids. ``method`` "sector" (default) or "checked" (see the
    module docstring); ``n_directions`` sectors for "sector"; ``device="cuda"`` runs the sector kernel on a
    CUDA GPU (``kernels/cuda.py``; DeviceUnavailableError without one, never a silent CPU run). With a Dask ``client`` the grid is cut into
    ``tile`` x ``tile`` observer tiles with a halo of the radius and computed on the cluster
    (``terrain.distributed``); the result is identical bit for bit. ``region`` (row_start, row_end,
    col_start, col_end; half-open cell indices) limits the observers to that block (the terrain around them
    is still the whole DEM); the stride lattice stays anchored at cell (0, 0), so a region's values equal
    the whole grid's there.
    """
    check_method(method, n_directions, stride)
    check_device(device, method, client)
    ra, rb, ca, cb = observer_region(dem, region, stride)
    if client is not None:
        from .distributed import total_viewshed_dask

        return total_viewshed_dask(dem, radius_m, client=client, observer_height=observer_height,
                                   target_height=target_height, refraction=refraction, curvature=curvature,
                                   stride=stride, method=method, n_directions=n_directions, tile=tile,
                                   progress=progress, region=region)
    h0, ht, radius, k = _check_physics(observer_height, target_height, radius_m, refraction)
    stride = int(stride)
    out = np.full(dem.shape, np.nan, np.float32)
    if method == "sector":
        grid = sector_grid(dem, radius)
        area = sector_areas(dem.elevation, grid, np.arange(ra, rb, stride), ca, cb, stride,
                            h0, ht, inverse_2reff(curvature, k), radius, n_directions, device)
        out[ra:rb:stride, :] = area / 1e6  # the kernel leaves columns off the lattice or the region NaN
        return out
    rr, cc = np.mgrid[ra:rb:stride, ca:cb:stride]
    ok = ~dem.void[rr, cc]
    cells = np.stack([rr[ok], cc[ok]], axis=1)
    out[cells[:, 0], cells[:, 1]] = visible_areas(dem, cells, observer_height=h0, target_height=ht,
                                                  radius_m=radius, refraction=k, curvature=curvature)
    return out
