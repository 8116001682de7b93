"""Seeded synthetic terrain and real-format SRTM .hgt tiles for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def fractal_terrain(rows: int, cols: int, *, seed: int = 0, beta: float = 3.2, relief_m: float = 300.0,
                    base_m: float = 100.0) -> np.ndarray:
    """float32 (rows, cols) fractal surface (power-law spectrum, exponent beta), seeded."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((rows, cols))
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spec = np.fft.rfft2(noise) / f ** (beta / 2.0)
    spec[0, 0] = 0.0
    z = np.fft.irfft2(spec, s=(rows, cols))
    z = (z - z.min()) / (z.max() - z.min())
    return (base_m + relief_m * z).astype(np.float32)


def write_hgt(directory, name: str, elevation: np.ndarray) -> Path:
    """Write an SRTM .hgt (big-endian int16, rows north->south) named e.g. N48E037.hgt."""
    side = elevation.shape[0]
    assert elevation.shape == (side, side) and side in (1201, 3601)
    path = Path(directory) / f"{name}.hgt"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.round(elevation).astype(">i2").tofile(path)
    return path


def hgt_tile(directory, name: str, *, side: int = 1201, seed: int = 0, relief_m: float = 300.0) -> Path:
    """A seeded fractal SRTM tile in the real .hgt format."""
    return write_hgt(directory, name, fractal_terrain(side, side, seed=seed, relief_m=relief_m))


def srtm1_block(directory, south: int, west: int, *, seed: int = 15, relief_m: float = 300.0) -> list[Path]:
    """Nine seeded fractal 1" tiles (3 x 3 degrees from south/west, integer degrees) that share their edge
    rows and columns, as real neighbouring SRTM tiles do: one 10801 x 10801 surface cut into .hgt files."""
    n = 3601
    surface = fractal_terrain(3 * n - 2, 3 * n - 2, seed=seed, relief_m=relief_m)
    paths = []
    for i in range(3):  # rows north -> south
        for j in range(3):
            lat, lon = south + 2 - i, west + j
            name = f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}{'E' if lon >= 0 else 'W'}{abs(lon):03d}"
            r0, c0 = i * (n - 1), j * (n - 1)
            paths.append(write_hgt(directory, name, surface[r0 : r0 + n, c0 : c0 + n]))
    return paths
