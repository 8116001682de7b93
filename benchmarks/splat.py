"""SPLAT! as a peer: the same terrain as .hgt -> .sdf, the same site, heights, K and radius.

SPLAT! reads SRTM through its own SDF format (``srtm2sdf`` for 3", ``srtm2sdf-hd`` and ``splat-hd``
for 1"). ``splat -c H`` maps radio line of sight to a receiver H above ground (earth radius x ``-m``);
the map comes back as a PPM with an Xastir ``.geo`` georeference, which is read onto our grid.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import rasterio.warp
from affine import Affine
from rasterio.enums import Resampling

import terrain
from terrain.tiles import embedded_dem_dir


def available(hd: bool = False) -> bool:
    return shutil.which("splat-hd" if hd else "splat") is not None and shutil.which(
        "srtm2sdf-hd" if hd else "srtm2sdf") is not None


def real_terrain_tiles(directory: Path, names, arcsec: int) -> list[Path]:
    """SRTM-format tiles of the real (embedded DTED0) terrain, bilinearly resampled to 1" or 3" posts.

    The shape is real; the detail between the ~1 km DTED0 posts is interpolation, not measurement.
    """
    side = 3600 // arcsec + 1
    res = arcsec / 3600.0
    out = []
    for name in names:
        lat, lon = terrain.tiles.parse_tile_name(name)
        src = terrain.open_dem(embedded_dem_dir() / "dted0" / f"e{lon:03d}" / f"n{lat:02d}.dt0")
        dst = np.empty((side, side), np.float32)
        transform = Affine(res, 0, lon - res / 2, 0, -res, lat + 1 + res / 2)
        rasterio.warp.reproject(src.elevation, dst, src_transform=src.transform, src_crs=src.crs,
                                dst_transform=transform, dst_crs=src.crs, resampling=Resampling.bilinear)
        path = Path(directory) / f"{name}.hgt"
        np.round(dst).astype(">i2").tofile(path)
        out.append(path)
    return out


def _qth(path: Path, name: str, lat: float, lon: float, height_m: float) -> None:
    # SPLAT! site files: name, latitude (N), longitude in degrees WEST (0-360), antenna height ("m" = metres)
    path.write_text(f"{name}\n{lat:.6f}\n{(360.0 - lon) % 360.0:.6f}\n{height_m:.2f}m\n")


def make_sdf(tiles, sdf_dir: Path, hd: bool) -> float:
    """Convert .hgt tiles to SPLAT! .sdf (in sdf_dir); returns seconds."""
    sdf_dir.mkdir(parents=True, exist_ok=True)
    tool = "srtm2sdf-hd" if hd else "srtm2sdf"
    t0 = time.perf_counter()
    for t in tiles:
        subprocess.run([tool, str(Path(t).resolve())], cwd=sdf_dir, check=True, capture_output=True)
    return time.perf_counter() - t0


def run_coverage(sdf_dir: Path, work: Path, lat, lon, tx_h, rx_h, radius_km, k_factor, hd: bool):
    """splat -c: returns (seconds, peak child RSS MiB, visible bool grid, its transform)."""
    work.mkdir(parents=True, exist_ok=True)
    _qth(work / "tx.qth", "tx", lat, lon, tx_h)
    for f in work.glob("cov*"):
        f.unlink()
    cmd = ["splat-hd" if hd else "splat", "-t", "tx.qth", "-c", f"{rx_h:g}", "-R", f"{radius_km:g}", "-m",
           f"{k_factor:.6f}", "-metric", "-d", str(sdf_dir.resolve()), "-o", "cov.ppm", "-ngs", "-geo", "-N"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=work, check=True, capture_output=True, timeout=1800)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rgb, transform = read_ppm_geo(work / "cov.ppm", work / "cov.geo")
    return secs, peak, rgb, transform


def read_ppm_geo(ppm: Path, geo: Path):
    """PPM pixels (rows, cols, 3) and the affine transform from the Xastir .geo tie points."""
    data = ppm.read_bytes()
    # header: P6\n[#comments]\nW H\n255\n
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    w, h = int(fields[1]), int(fields[2])
    rgb = np.frombuffer(data, np.uint8, count=w * h * 3, offset=pos + 1).reshape(h, w, 3)
    ties = []
    for line in geo.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "TIEPOINT":
            ties.append((float(parts[1]), float(parts[2]), float(parts[3]), float(parts[4])))
    (x0, y0, lon0, lat0), (x1, y1, lon1, lat1) = ties[0], ties[-1]
    a = (lon1 - lon0) / (x1 - x0)
    e = (lat1 - lat0) / (y1 - y0)
    return rgb, Affine(a, 0, lon0 - a * x0, 0, e, lat0 - e * y0)


def los_mask(rgb) -> np.ndarray:
    """SPLAT!'s -c map with -ngs: terrain is white, LOS cells are coloured; any non-white, non-black pixel."""
    white = (rgb == 255).all(axis=2)
    black = (rgb == 0).all(axis=2)
    return ~white & ~black


def on_grid(mask, transform, dem) -> np.ndarray:
    """Sample a lat/lon mask (nearest pixel) at every cell centre of ``dem``."""
    rows, cols = dem.shape
    lon, lat = dem.cell_center_lonlat(*np.mgrid[0:rows, 0:cols])
    inv = ~transform
    px = np.floor(inv.a * lon + inv.b * lat + inv.c + 0.5).astype(int)  # tie points are pixel centres
    py = np.floor(inv.d * lon + inv.e * lat + inv.f + 0.5).astype(int)
    ok = (px >= 0) & (py >= 0) & (px < mask.shape[1]) & (py < mask.shape[0])
    out = np.zeros((rows, cols), bool)
    out[ok] = mask[py[ok], px[ok]]
    return out

