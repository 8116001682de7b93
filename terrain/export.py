"""File outputs users open in GIS tools: GeoTIFF, GeoJSON, JSON. No science here.

Every writer writes to a temporary file beside the target and renames it into
place, so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import contextvars
import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.warp

from .errors import OutputError

VIS_NODATA = 255


_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("terrain_pending_outputs", default=None)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The file name endings each output option accepts (the writer is chosen by the option, so a name that
#: promises another format is refused, not silently written as GeoTIFF); other options are GeoTIFFs.
OUTPUT_SUFFIXES = {"--png": (".png",), "--geojson": (".geojson", ".json")}
GEOTIFF_SUFFIXES = (".tif", ".tiff")


def check_output_paths(**paths) -> None:
    """OutputError unless every given path (name=path; None skipped) can be a new file of the option's
    format (by its ending: OUTPUT_SUFFIXES, else GeoTIFF), all distinct.

    Checked before any work is done, so a run that cannot write its outputs fails at once.
    """
    seen = {}
    for name, path in paths.items():
        if path is None:
            continue
        text = os.fspath(path)
        if not text.strip():
            raise OutputError(f"{name}: an empty path is not a file name")
        p = Path(text)
        suffixes = OUTPUT_SUFFIXES.get(name, GEOTIFF_SUFFIXES)
        if p.suffix.lower() not in suffixes:
            kind = "a GeoTIFF" if suffixes == GEOTIFF_SUFFIXES else suffixes[0][1:].upper()
            hint = "; for a map image use --png FILE.png" if suffixes == GEOTIFF_SUFFIXES else ""
            raise OutputError(f"{name} {text!r} is written as {kind}: give a name ending in "
                              f"{' or '.join(suffixes)}{hint}", path=text)
        if p.is_dir():
            raise OutputError(f"{name} {text!r} is a directory, not a file", path=text)
        parent = p.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{name} {text!r}: {parent} is a file, not a directory", path=text)
        if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"{name} {text!r}: directory {parent} is not writable", path=text)
        key = os.path.realpath(p)
        if key in seen:
            raise OutputError(f"{name} and {seen[key]} are the same file {text!r}; give each output its own path",
                              path=text)
        seen[key] = name


def check_output_dir(name: str, path) -> None:
    """OutputError unless ``path`` is (or can become) a writable directory."""
    text = os.fspath(path)
    p = Path(text)
    if not text.strip():
        raise OutputError(f"{name}: an empty path is not a directory name")
    if p.exists() and not p.is_dir():
        raise OutputError(f"{name} {text!r} is a file, not a directory", path=text)
    parent = p
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{name} {text!r}: {parent} is not a writable directory", path=text)


@contextmanager
def all_or_nothing():
    """Outputs written inside are renamed into place together at the end, or none is (temporaries deleted)."""
    pending: list = []
    token = _pending.set(pending)
    try:
        yield
        for tmp, path in pending:
            _commit(tmp, path)
    except BaseException:
        for tmp, _ in pending:
            _unlink(tmp)
        raise
    finally:
        _pending.reset(token)


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success, delete it on failure.

    Write failures (full disk, read-only folder, a parent that is a file) become ``OutputError``;
    inside :func:`all_or_nothing` the rename waits for the end of the block.
    """
    text = os.fspath(path)
    if not text.strip():
        raise OutputError("an empty path is not a file name")
    path = Path(text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {text!r}: {exc.strerror or exc}", path=text) from exc
    try:
        yield tmp
        _flush(tmp, text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs follow the umask like any new file
        pending = _pending.get()
        if pending is None:
            _commit(tmp, path)
        else:
            pending.append((tmp, path))
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, (OSError, rasterio.errors.RasterioError)) and not isinstance(exc, OutputError):
            raise OutputError(f"cannot write {text!r}: {getattr(exc, 'strerror', None) or exc}", path=text) from exc
        raise


def read_output(path) -> bytes:
    """The bytes of an output written earlier, even while it still waits inside :func:`all_or_nothing`."""
    pending = _pending.get() or []
    for tmp, dest in reversed(pending):
        if Path(dest) == Path(path):
            return Path(tmp).read_bytes()
    return Path(path).read_bytes()


def _flush(tmp: str, text: str) -> None:
    """fsync the finished temporary file (a full disk may only show here); OutputError if it is empty."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
        if os.fstat(fh.fileno()).st_size == 0:
            raise OutputError(f"cannot write {text!r}: nothing was written", path=text)


def _commit(tmp, path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(f"cannot write {os.fspath(path)!r}: {exc.strerror or exc}", path=os.fspath(path)) from exc


def _unlink(tmp) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def write_geotiff(path, array, transform, crs, *, nodata=None, tags=None, description=None) -> Path:
    """Single-band, tiled, DEFLATE-compressed GeoTIFF with CRS, transform and nodata set."""
    array = np.asarray(array)
    rows, cols = array.shape
    profile = {
        "driver": "GTiff", "height": rows, "width": cols, "count": 1, "dtype": array.dtype.name,
        "crs": crs, "transform": transform, "nodata": nodata, "compress": "deflate",
    }
    if rows >= 256 and cols >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(array, 1)
            if tags:
                dst.update_tags(**{k: _tag(v) for k, v in tags.items()})
            if description:
                dst.set_band_description(1, description)
        _verify_geotiff(tmp, array, path)
    return Path(path)


def _verify_geotiff(tmp, array, path) -> None:
    """Read the written file back: GDAL may only log a failed write (a full disk) and close 'successfully'."""
    try:
        with rasterio.open(tmp) as src:
            back = src.read(1)
    except rasterio.errors.RasterioError as exc:
        raise OutputError(f"cannot write {os.fspath(path)!r}: what was written reads back damaged "
                          "(disk full or I/O error); nothing was left behind") from exc
    same = np.array_equal(back, array, equal_nan=True) if back.dtype.kind == "f" else np.array_equal(back, array)
    if not same:
        raise OutputError(f"cannot write {os.fspath(path)!r}: the file read back differs from what was written"
                          " (disk full?)")


def _tag(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=_json_default)


def visibility_band(visible, min_visible_height) -> np.ndarray:
    """uint8: 1 visible, 0 not visible, 255 (nodata) outside the radius or void."""
    out = visible.astype(np.uint8)
    out[np.isnan(min_visible_height)] = VIS_NODATA
    return out


def write_geojson(path, mask, transform, crs, properties=None) -> Path:
    """Polygons of the True cells of ``mask`` (rasterio.features.shapes), in WGS84 lon/lat."""
    features = []
    for geom, value in rasterio.features.shapes(mask.astype(np.uint8), mask=mask, transform=transform, connectivity=8):
        if value != 1:
            continue
        if crs is not None and not crs.is_geographic:
            geom = rasterio.warp.transform_geom(crs, "EPSG:4326", geom)
        features.append({"type": "Feature", "geometry": geom, "properties": properties or {}})
    collection = {"type": "FeatureCollection", "features": features}
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(collection, default=_json_default))
    return Path(path)


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def clean_json(obj):
    """Replace NaN/inf (not valid JSON) with None, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    if isinstance(obj, np.generic):
        return clean_json(obj.item())
    return obj


def dumps(obj) -> str:
    """JSON text of a summary (NaN -> null, numpy -> Python)."""
    return json.dumps(clean_json(obj), indent=2, default=_json_default)


def write_json(path, obj) -> Path:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(dumps(obj))
    return Path(path)
