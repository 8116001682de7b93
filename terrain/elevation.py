"""The elevation layer: ``Dem``, ``open_dem``, ``load_dem``; the only rasterio reader.

Geographic grids stay native (lat/lon); their true cell sizes in metres are
carried per row. Voids (SRTM -32768, DTED -32767, a GeoTIFF's nodata) become
NaN with ``void`` set, are counted, and are filled only when asked
(``fill_voids=True``, rasterio's inverse-distance ``fillnodata``).
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import rasterio
import rasterio.errors
import rasterio.fill
import rasterio.warp
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import ColorInterp, MaskFlags, Resampling
from rasterio.io import MemoryFile
from rasterio.windows import Window

from . import constants, geodesy, tiles
from .errors import (
    CoarseDemWarning,
    CorruptTileError,
    InvalidParameterError,
    MissingElevationError,
    TerrainError,
    UnsupportedDemError,
    VoidWarning,
)

WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True, eq=False)
class Dem:
    """An elevation grid: an array plus a CRS and a transform (rasterio's model).

    Attributes
    ----------
    elevation : float32 (rows, cols), metres above mean sea level; NaN at voids.
    void : bool (rows, cols), True where elevation is missing.
    transform : affine.Affine, cell corners, north-up.
    crs : rasterio CRS.
    cell_dx_m, cell_dy_m : float64 (rows,), true E-W and N-S cell size of each row (m).
    sources : tuple of str, the files the grid was read from.
    resolution : str, e.g. ``'DTED0 30"'`` or ``'SRTM 1"'`` or ``'30.0 m'``.
    filled_voids : int, voids filled by ``fill_voids=True`` (0 if none).
    """

    elevation: np.ndarray
    void: np.ndarray
    transform: Affine
    crs: CRS
    cell_dx_m: np.ndarray
    cell_dy_m: np.ndarray
    sources: tuple = ()
    resolution: str = ""
    filled_voids: int = 0

    @classmethod
    def from_array(cls, elevation, transform, crs, *, void=None, resolution: str = "array") -> Dem:
        """A Dem from an in-memory array (metres); NaN cells (and ``void``) are voids."""
        elev = np.array(elevation, dtype=np.float32)  # copy: never alias the caller's array
        mask = ~np.isfinite(elev) if void is None else (np.asarray(void, bool) | ~np.isfinite(elev))
        elev[mask] = np.nan
        crs = CRS.from_user_input(crs) if crs is not None else None
        dx, dy = _cell_sizes(transform, crs, elev.shape)
        return cls(elev, mask, transform, crs, dx, dy, (), resolution)

    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation.shape

    @property
    def is_geographic(self) -> bool:
        return bool(self.crs is not None and self.crs.is_geographic)

    @property
    def void_count(self) -> int:
        return int(self.void.sum())

    @cached_property
    def has_voids(self) -> bool:
        """True if any cell is void; computed once (a Dem's arrays are read-only by contract), so that the
        summaries of many viewsheds on a void-free grid need not read its void mask."""
        return bool(self.void.any())

    @property
    def arcsec(self) -> float | None:
        """Post spacing in arc-seconds for geographic grids, else None."""
        return abs(self.transform.e) * geodesy.degrees_per_unit(self.crs) * 3600.0 if self.is_geographic else None

    @property
    def mean_cell_size_m(self) -> tuple[float, float]:
        """Mean E-W and N-S cell size (m)."""
        return float(self.cell_dx_m.mean()), float(self.cell_dy_m.mean())

    @property
    def resolution_note(self) -> str:
        """One sentence on resolution, with the coarse-data warning where it applies."""
        dx, dy = self.mean_cell_size_m
        text = f"DEM {self.resolution}: cells {dx:.0f} m E-W x {dy:.0f} m N-S"
        if self.arcsec is not None and self.arcsec > constants.COARSE_DEM_ARCSEC:
            text += (
                f"; coarse data - valleys and ravines narrower than ~{2 * max(dx, dy) / 1000:.0f} km"
                " are smoothed away, so sight lines along them are not resolved"
            )
        return text

    def to_dem_xy(self, lat, lon):
        """WGS84 degrees to the DEM's CRS coordinates (x, y) (datum shifted where the CRS is not WGS84)."""
        if self.crs is None or geodesy.is_wgs84_lonlat(self.crs):
            x, y = lon, lat
        else:
            x, y = geodesy.transformer("EPSG:4326", geodesy.crs_wkt(self.crs)).transform(lon, lat)
        if self.is_geographic:  # a grid may run past +-180 (antimeridian): use the longitude that falls on it
            x = _wrap_into(x, self.bounds[0], self.bounds[2], 360.0 / geodesy.degrees_per_unit(self.crs))
        return x, y

    def to_lonlat(self, x, y):
        """DEM CRS coordinates to WGS84 (lon, lat) degrees."""
        if self.crs is None or geodesy.is_wgs84_lonlat(self.crs):
            return x, y
        return geodesy.transformer(geodesy.crs_wkt(self.crs), "EPSG:4326").transform(x, y)

    def rowcol_xy(self, x: float, y: float) -> tuple[int, int]:
        """Cell (row, col) containing DEM-CRS point (x, y); InvalidParameterError outside."""
        col_f, row_f = geodesy.apply_affine(~self.transform, x, y)
        if not (math.isfinite(row_f) and math.isfinite(col_f)):
            raise InvalidParameterError(f"point ({x}, {y}) is not a finite coordinate")
        row, col = math.floor(row_f), math.floor(col_f)
        rows, cols = self.shape
        if not (0 <= row < rows and 0 <= col < cols):
            b = self.bounds
            raise InvalidParameterError(
                f"point ({x:.6f}, {y:.6f}) is outside the DEM (x {b[0]:.6f}..{b[2]:.6f}, y {b[1]:.6f}..{b[3]:.6f});"
                " load elevation around it with terrain.load_dem or pass a DEM that covers it"
            )
        return row, col

    def _cell(self, lat, lon) -> tuple[int, int]:
        """index() without the swapped-coordinates hint (which itself asks contains())."""
        lat, lon = check_lat_lon(lat, lon)
        return self.rowcol_xy(*self.to_dem_xy(lat, lon))

    def index(self, lat: float, lon: float) -> tuple[int, int]:
        """Cell (row, col) containing WGS84 point (lat, lon)."""
        lat, lon = check_lat_lon(lat, lon)
        try:
            return self._cell(lat, lon)
        except InvalidParameterError as exc:
            hint = _swap_hint(lat, lon, lambda la, lo: self.contains(la, lo))
            if hint:
                raise InvalidParameterError(str(exc) + hint) from None
            raise

    def contains(self, lat: float, lon: float) -> bool:
        """True if WGS84 point (lat, lon) falls in a cell of this grid (void or not)."""
        try:
            self._cell(lat, lon)
        except InvalidParameterError:
            return False
        return True

    def cell_center_lonlat(self, row, col):
        """WGS84 (lon, lat) of cell centres."""
        x, y = geodesy.apply_affine(self.transform, np.asarray(col) + 0.5, np.asarray(row) + 0.5)
        return self.to_lonlat(x, y)

    def elevation_at(self, lat: float, lon: float) -> float:
        """Elevation (m) of the post nearest (lat, lon); MissingElevationError at a void."""
        row, col = self.index(lat, lon)
        if self.void[row, col]:
            raise MissingElevationError(f"({lat}, {lon}) falls on a void (nodata) cell of {self.resolution}")
        return float(self.elevation[row, col])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        rows, cols = self.shape
        left, top = geodesy.apply_affine(self.transform, 0, 0)
        right, bottom = geodesy.apply_affine(self.transform, cols, rows)
        return left, bottom, right, top

    def window(self, row0: int, row1: int, col0: int, col1: int) -> Dem:
        """A view of rows row0:row1 and cols col0:col1 as a Dem (no copy)."""
        return replace(
            self,
            elevation=self.elevation[row0:row1, col0:col1],
            void=self.void[row0:row1, col0:col1],
            transform=_shifted(self.transform, col0, row0),
            cell_dx_m=self.cell_dx_m[row0:row1],
            cell_dy_m=self.cell_dy_m[row0:row1],
        )


def _wrap_into(x, left: float, right: float, turn: float):
    """Longitude ``x`` moved by whole turns into [left, right) where that is possible (antimeridian grids)."""
    if np.ndim(x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x < left, x + turn, np.where(x >= right, x - turn, x))
    if x < left and x + turn < right:
        return x + turn
    if x >= right and x - turn >= left:
        return x - turn
    return x


def _shifted(t: Affine, col0: int, row0: int) -> Affine:
    """The transform of a window whose first cell is (row0, col0)."""
    x0, y0 = geodesy.apply_affine(t, col0, row0)
    return Affine(t.a, t.b, x0, t.d, t.e, y0)


def check_lat_lon(lat, lon) -> tuple[float, float]:
    """(lat, lon) as floats; InvalidParameterError unless in [-90, 90] x [-180, 180] and finite."""
    out = []
    for name, value, lim in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
        try:
            if isinstance(value, (bool, np.bool_)):
                raise TypeError
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            raise InvalidParameterError(f"{name} {value!r} is not a number (decimal degrees)") from None
        if not (math.isfinite(v) and -lim <= v <= lim):
            raise InvalidParameterError(f"{name} {value!r} is outside [-{lim:g}, {lim:g}] degrees")
        out.append(v)
    return out[0], out[1]


def _cell_sizes(transform, crs, shape) -> tuple[np.ndarray, np.ndarray]:
    """True E-W and N-S cell sizes (m) per row: geodesics on lat/lon grids; on projected grids the
    grid size in metres divided by the projection's point scale factor (EPSG:3857 at 60 N: k = 2)."""
    if crs is not None and crs.is_geographic:
        return geodesy.geographic_cell_sizes_m(transform, shape[0], geodesy.degrees_per_unit(crs))
    sx, sy = geodesy.row_axis_scales(transform, crs, shape)  # grid units per true metre
    dx, dy = abs(transform.a) / sx, abs(transform.e) / sy
    if not (np.isfinite(dx).all() and np.isfinite(dy).all() and (dx > 0).all() and (dy > 0).all()):
        raise UnsupportedDemError(f"the grid reaches outside the valid area of its projection ({geodesy.crs_label(crs)})")
    return dx, dy


@contextmanager
def _open_raster(path: Path):
    """The rasterio dataset of a plain, zipped or gzipped elevation file.

    Archives are decompressed here, not by GDAL's /vsizip or /vsigzip: the
    stream is checked end to end (CRC and length; every gzip member), its
    decompressed size is bounded while streaming (no zip or gzip bomb), and a
    damaged stream is a ``CorruptTileError`` instead of a grid of zeros.
    """
    name = path.name.lower()
    try:
        if name.endswith((".zip", ".gz")):
            inner, raw = tiles.archive_bytes(path)
            with MemoryFile(raw, filename=inner) as mem, mem.open() as ds:
                yield ds
        else:
            with rasterio.open(path) as ds:
                yield ds
    except rasterio.errors.RasterioError as exc:
        raise CorruptTileError(f"{path}: cannot be read as elevation ({_first_line(exc)})", path=str(path)) from exc


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_hgt_size(path: Path, size: int | None) -> None:
    if not path.name.lower().endswith((".hgt", ".hgt.zip", ".hgt.gz")):
        return
    ok = {2 * constants.SRTM1_SIZE**2, 2 * constants.SRTM3_SIZE**2}
    if size not in ok:
        raise CorruptTileError(
            f"{path}: {size} bytes of elevation is not an SRTM tile "
            f"(expected {2 * constants.SRTM3_SIZE**2} for 3\" or {2 * constants.SRTM1_SIZE**2} for 1\");"
            " the file is truncated or not SRTM - delete it and fetch it again",
            path=str(path),
        )


def _hgt_size(path: Path) -> int | None:
    """Decompressed byte size of an .hgt[.zip|.gz] (None if unreadable)."""
    if path.suffix.lower() == ".hgt":
        return path.stat().st_size
    return len(tiles.archive_bytes(path)[1])


def _check_grid(ds, path: Path) -> None:
    """UnsupportedDemError unless the dataset is a north-up grid in a geographic or projected CRS that fits."""
    where = str(path)
    crs, t = ds.crs, ds.transform
    if ds.count < 1:
        raise CorruptTileError(f"{path}: has no raster band", path=where)
    if crs is None:
        raise UnsupportedDemError(f"{path}: has no coordinate reference system (assign one with gdal_edit -a_srs)",
                                  path=where)
    if not (crs.is_geographic or crs.is_projected):
        raise UnsupportedDemError(f"{path}: its CRS is a local/engineering system, not tied to the earth "
                                  "(assign a real one with gdal_edit -a_srs)", path=where)
    if t.b != 0 or t.d != 0 or not (math.isfinite(t.a) and math.isfinite(t.e) and t.a > 0 and t.e < 0):
        raise UnsupportedDemError(f"{path}: only north-up grids with non-zero cell size are supported "
                                  f"(transform {tuple(t)[:6]}); warp it with gdalwarp", path=where)
    if ds.width * ds.height > constants.MAX_DEM_CELLS:
        raise UnsupportedDemError(f"{path}: {ds.width}x{ds.height} cells is more than the {constants.MAX_DEM_CELLS:,}"
                                  " one grid may hold; crop it (gdal_translate -projwin) or use tiles", path=where)
    if crs.is_geographic:
        dpu = geodesy.degrees_per_unit(crs)
        top, bottom = (t.f + t.e * 0.5) * dpu, (t.f + t.e * (ds.height - 0.5)) * dpu
        if top > 90 + 1e-9 or bottom < -90 - 1e-9:
            raise UnsupportedDemError(f"{path}: its rows reach latitude {max(top, -bottom):.6f}, beyond the pole",
                                      path=where)
        if t.a * ds.width * dpu > 360 + 1e-9:
            raise UnsupportedDemError(f"{path}: it spans more than 360 degrees of longitude", path=where)


def _label(path: Path, transform, crs) -> str:
    name = path.name.lower()
    if crs is not None and crs.is_geographic:
        arcsec = abs(transform.e) * 3600.0
        kind = "SRTM" if ".hgt" in name else ("DTED" + name[-1] if ".dt" in name else "geographic")
        return f'{kind} {arcsec:.4g}"'
    return f"{abs(transform.a):.4g} m"


def _read(path: Path, window=None):
    """(float32 array with NaN at voids, void mask, transform, crs) of band 1; CorruptTileError on read failure.

    Voids: the nodata value, the internal mask or alpha band, NaN, SRTM/DTED -32768/-32767, and -32768
    in an int16 file with no nodata tag. Scale and offset tags are applied (metres = raw * scale + offset).
    """
    if path.name.lower().endswith((".hgt", ".hgt.zip", ".hgt.gz")):
        _check_hgt_size(path, _hgt_size(path))
    with _open_raster(path) as ds:
        _check_grid(ds, path)
        data = ds.read(1, window=window, out_dtype="float32")
        void = ~np.isfinite(data)
        nodata = ds.nodata
        name = path.name.lower()
        if nodata is None and (".hgt" in name or ds.dtypes[0] == "int16"):
            nodata = constants.SRTM_VOID  # int16's minimum: the void of SRTM and of most int16 DEMs
        if nodata is not None:
            void |= data == np.float32(nodata)
        if ".hgt" in name or ".dt" in name:
            void |= data <= constants.SRTM_VOID + 1  # -32768 (SRTM) and -32767 (DTED)
        flags = ds.mask_flag_enums[0]
        if any(f in flags for f in (MaskFlags.per_dataset, MaskFlags.alpha)):
            void |= ds.read_masks(1, window=window) == 0  # internal mask or alpha band
        alpha = [i for i, ci in enumerate(ds.colorinterp[1:], 2) if ci == ColorInterp.alpha]
        if alpha:  # GDAL only makes Byte/UInt16 alpha bands a mask; GIS tools draw any alpha 0 as transparent
            void |= ds.read(alpha[0], window=window) == 0
        scale, offset = ds.scales[0], ds.offsets[0]
        if (scale not in (None, 1.0)) or (offset not in (None, 0.0)):
            data = (data * (1.0 if scale is None else scale) + (0.0 if offset is None else offset)).astype(np.float32)
        transform = ds.window_transform(window) if window is not None else ds.transform
        crs = ds.crs
    void |= ~np.isfinite(data)
    data[void] = np.nan
    return data, void, transform, crs


def _finish(elev, void, transform, crs, sources, resolution, fill_voids) -> Dem:
    filled = 0
    if void.all():
        raise MissingElevationError(f"{', '.join(str(s) for s in sources)}: every cell is void (nodata); "
                                    "there is no elevation here to use or to fill voids from")
    if fill_voids and void.any():
        filled = int(void.sum())
        work = np.where(void, np.nan, elev).astype(np.float32)  # cells too far to fill stay NaN (never 0 m)
        elev = rasterio.fill.fillnodata(work, mask=(~void).astype(np.uint8), max_search_distance=1000)
        still = ~np.isfinite(elev)
        filled -= int(still.sum())
        void = still
    elif void.any():
        warnings.warn(
            f"{int(void.sum())} void (nodata) cells in {resolution}; they are masked, not filled "
            "(pass fill_voids=True / --fill-voids to interpolate them)",
            VoidWarning,
            stacklevel=3,
        )
    dx, dy = _cell_sizes(transform, crs, elev.shape)
    dem = Dem(
        elevation=np.ascontiguousarray(elev, dtype=np.float32),
        void=np.ascontiguousarray(void),
        transform=transform,
        crs=crs,
        cell_dx_m=dx,
        cell_dy_m=dy,
        sources=tuple(str(s) for s in sources),
        resolution=resolution,
        filled_voids=filled,
    )
    if dem.arcsec is not None and dem.arcsec > constants.COARSE_DEM_ARCSEC:
        warnings.warn(dem.resolution_note, CoarseDemWarning, stacklevel=3)
    return dem


def open_dem(path, *, fill_voids: bool = False) -> Dem:
    """Open one elevation file: GeoTIFF/COG (any CRS), DTED, SRTM .hgt (raw, .zip, .gz).

    Parameters
    ----------
    path : str or Path
    fill_voids : bool, default False
        Interpolate voids (rasterio ``fillnodata``); otherwise they stay NaN/void.

    Returns
    -------
    Dem

    Raises
    ------
    MissingElevationError
        The file does not exist.
    CorruptTileError
        The file is truncated, the wrong size, or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise MissingElevationError(f"elevation file {path} does not exist")
    if not path.is_file():
        raise MissingElevationError(f"elevation path {path} is not a file")
    elev, void, transform, crs = _read(path)
    return _finish(elev, void, transform, crs, [path], _label(path, transform, crs), fill_voids)


def load_dem(lat: float, lon: float, radius_m: float, *, search=None, fill_voids: bool = False) -> Dem:
    """Mosaic every tile the geodesic circle touches, at the finest resolution available.

    Tiles are looked for in ``search`` (a directory or list), then
    ``TERRAIN_DEM_PATH``, then the user cache, then the embedded DTED0. The
    resolution chosen is the finest that every needed tile has; a tile that
    has only finer data is averaged onto that grid. SRTM/DTED tiles share
    their edge posts, which are placed by integer post index so borders join
    without seams.

    Parameters
    ----------
    lat, lon : float
        Centre, WGS84 degrees.
    radius_m : float
        Radius (m) that must be covered.
    search : path or list of paths, optional
    fill_voids : bool, default False

    Raises
    ------
    MissingElevationError
        Some tile is available nowhere; the message names it and how to fetch it.
    """
    check_lat_lon(lat, lon)
    radius_m = float(radius_m)
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise InvalidParameterError(f"radius {radius_m!r} m must be a finite number >= 0")
    south, west, north, east = geodesy.circle_bounds(lat, lon, max(radius_m, 1.0))
    names = tiles.tiles_for_bounds(south, west, north, east)
    found = tiles.best_tiles(names, search)
    missing = [n for n, files in found.items() if not files]
    if missing:
        raise MissingElevationError(
            f"no elevation for tile(s) {', '.join(missing)} (needed for {radius_m / 1000:g} km around {lat}, {lon});"
            f" run `terrain tiles fetch {' '.join(missing)}` or pass --dem / search= a directory holding them"
            + _swap_hint(lat, lon, lambda la, lo: _covered(la, lo, radius_m, search)),
            tiles=missing,
        )
    arcsec = max(files[0].arcsec for files in found.values())  # finest that all tiles have
    res = arcsec / 3600.0
    # Global post indices: post k sits at k * res degrees (true for SRTM and DTED).
    k_south, k_north = math.floor(south / res), math.ceil(north / res)
    k_west, k_east = math.floor(west / res), math.ceil(east / res)
    rows, cols = k_north - k_south + 1, k_east - k_west + 1
    elev = np.full((rows, cols), np.nan, np.float32)
    void = np.ones((rows, cols), bool)
    filled = np.zeros((rows, cols), bool)
    transform = Affine(res, 0.0, (k_west - 0.5) * res, 0.0, -res, (k_north + 0.5) * res)
    used = []
    for name in names:
        tile = next((t for t in found[name] if abs(t.arcsec - arcsec) < 1e-9), found[name][0])
        used.append(tile)
        _place(tile, elev, void, filled, transform, k_north, k_west, res)
    if not filled.all():
        raise MissingElevationError(f"tiles {', '.join(names)} leave part of the area uncovered", tiles=names)
    kinds = sorted({("DTED" + t.path.suffix[-1]) if t.kind == "dted" else "SRTM" for t in used})
    if kinds == ["DTED0"]:
        _mend_dted0_seams(elev, void, k_north, k_west, round(1.0 / res))
    return _finish(elev, void, transform, WGS84, [t.path for t in used], f'{"+".join(kinds)} {arcsec:g}"', fill_voids)


def _covered(lat: float, lon: float, radius_m: float, search) -> bool:
    """Every tile of the circle is available."""
    south, west, north, east = geodesy.circle_bounds(lat, lon, max(radius_m, 1.0))
    return all(tiles.best_tiles(tiles.tiles_for_bounds(south, west, north, east), search).values())


def _swap_hint(lat: float, lon: float, covered) -> str:
    """'; did you swap ...' when (lon, lat) would be covered and (lat, lon) is not, else ''."""
    if abs(lon) > 90 or lat == lon:
        return ""
    try:
        return f"; did you swap latitude and longitude? ({lon:g}, {lat:g}) is covered" if covered(lon, lat) else ""
    except TerrainError:
        return ""


def _mend_dted0_seams(elev, void, k_north: int, k_west: int, posts_per_degree: int) -> None:
    """Replace the posts on each whole-degree line inside a DTED0 mosaic by the mean of the posts either side.

    DTED Level 0 edge posts (shared by two tiles, equal in both) do not match the interior posts: on the
    embedded 3x3 block the 12 shared edge lines stand a mean -9.1 to +7.0 m off the mean of their two
    neighbours (37.000 E in N48: +7.0 m, higher in 88 % of rows), while interior lines stay within 3.3 m
    (tests/test_elevation.py). They are a production artefact, so they are interpolated across, which
    leaves no seam; a void neighbour leaves the post as it is.
    """
    rows, cols = elev.shape
    for i in range(1, rows - 1):
        if (k_north - i) % posts_per_degree == 0:
            ok = ~(void[i - 1] | void[i + 1] | void[i])
            elev[i, ok] = 0.5 * (elev[i - 1, ok] + elev[i + 1, ok])
    for j in range(1, cols - 1):
        if (k_west + j) % posts_per_degree == 0:
            ok = ~(void[:, j - 1] | void[:, j + 1] | void[:, j])
            elev[ok, j] = 0.5 * (elev[ok, j - 1] + elev[ok, j + 1])


def _place(tile, elev, void, filled, transform, k_north, k_west, res) -> None:
    """Copy (or average, if finer) one tile's overlap with the mosaic grid into it."""
    path = tile.path
    if path.name.lower().endswith((".hgt", ".hgt.zip", ".hgt.gz")):
        _check_hgt_size(path, _hgt_size(path))
    with _open_raster(path) as ds:
        _check_grid(ds, path)
        t_res = ds.transform.a
        t_k_top = round((ds.transform.f + ds.transform.e / 2) / t_res)
        t_k_left = round((ds.transform.c + ds.transform.a / 2) / t_res)
        t_rows, t_cols = ds.height, ds.width
    rows, cols = elev.shape
    if abs(t_res - res) < 1e-12 * max(res, 1):
        r0 = max(0, k_north - t_k_top)  # mosaic row of the tile's first usable row
        c0 = max(0, t_k_left - k_west)
        tr0, tc0 = max(0, t_k_top - k_north), max(0, k_west - t_k_left)
        n_r = min(rows - r0, t_rows - tr0)
        n_c = min(cols - c0, t_cols - tc0)
        if n_r <= 0 or n_c <= 0:
            return
        data, dvoid, _, _ = _read(path, Window(tc0, tr0, n_c, n_r))
        dst = (slice(r0, r0 + n_r), slice(c0, c0 + n_c))
        take = ~filled[dst]  # shared edge posts: the first tile placed wins (they are equal)
        elev[dst][take] = data[take]
        void[dst][take] = dvoid[take]
        filled[dst] |= True
        return
    data, dvoid, t_transform, t_crs = _read(path)
    out = np.full(elev.shape, np.nan, np.float32)
    rasterio.warp.reproject(
        np.where(dvoid, np.nan, data), out, src_transform=t_transform, src_crs=t_crs or WGS84,
        dst_transform=transform, dst_crs=WGS84, resampling=Resampling.average, src_nodata=np.nan, dst_nodata=np.nan,
    )
    got = np.isfinite(out) & ~filled
    elev[got] = out[got]
    void[got] = False
    filled |= got


def dem_for(dem_arg, lat: float, lon: float, radius_m: float, *, fill_voids: bool = False) -> Dem:
    """What the CLI's ``--dem`` means: a file (opened), a directory (searched) or None (default path)."""
    if dem_arg is None:
        return load_dem(lat, lon, radius_m, fill_voids=fill_voids)
    p = Path(dem_arg)
    if p.is_dir():
        return load_dem(lat, lon, radius_m, search=p, fill_voids=fill_voids)
    return open_dem(p, fill_voids=fill_voids)
