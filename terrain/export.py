"""File outputs users open in GIS tools: GeoTIFF, GeoJSON, JSON. No science here.

Every writer writes to a temporary file beside the target and renames it into
place, so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import rasterio
import rasterio.features
import rasterio.warp

VIS_NODATA = 255


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success, delete it on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
    return Path(path)


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
