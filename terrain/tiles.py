"""Tile names, the tile search path, the local tile index and verified downloads.

A tile is the 1x1 degree cell whose south-west corner is (lat, lon), named the
SRTM way: ``N48E037``. Files are recognised by name:

* SRTM: ``N48E037.hgt``, ``.hgt.zip``, ``.hgt.gz`` (1" 3601x3601 or 3" 1201x1201)
* DTED: ``e037/n48.dt0`` (also ``.dt1``/``.dt2``)
"""

from __future__ import annotations

import functools
import gzip
import http.client
import io
import math
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from . import constants
from .errors import CorruptTileError, DownloadError, InvalidParameterError, OutputError

_SRTM_RE = re.compile(r"^([NS])(\d{2})([EW])(\d{3})\.hgt(\.zip|\.gz)?$", re.IGNORECASE)
_DTED_RE = re.compile(r"^([ns])(\d{2})\.dt([012])$", re.IGNORECASE)
_DTED_DIR_RE = re.compile(r"^([ew])(\d{3})$", re.IGNORECASE)
_NAME_RE = re.compile(r"^([NS])(\d{2})([EW])(\d{3})$", re.IGNORECASE)

# Nominal post spacing (arc-seconds) of each DTED level.
_DTED_ARCSEC = {"0": 30.0, "1": 3.0, "2": 1.0}


def tile_name(lat: int, lon: int) -> str:
    """Name of the tile whose south-west corner is (lat, lon) in whole degrees."""
    return f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}{'E' if lon >= 0 else 'W'}{abs(lon):03d}"


def parse_tile_name(name: str) -> tuple[int, int]:
    """(lat, lon) of the south-west corner of a tile named like ``N48E037``."""
    m = _NAME_RE.match(name.strip())
    if not m:
        raise InvalidParameterError(f"tile name {name!r} is not like N48E037 (hemisphere, 2-digit lat, hemisphere, 3-digit lon)")
    lat = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    if not (-90 <= lat < 90 and -180 <= lon < 180):
        raise InvalidParameterError(f"tile name {name!r} is outside the globe")
    return lat, lon


def tiles_for_bounds(south: float, west: float, north: float, east: float) -> list[str]:
    """Names of every tile that the lat/lon box touches (degrees)."""
    names = []
    for lat in range(math.floor(south), math.floor(north - 1e-12) + 1):
        for lon in range(math.floor(west), math.floor(east - 1e-12) + 1):
            names.append(tile_name(lat, lon))
    return names


@dataclass(frozen=True)
class TileFile:
    """One tile file on disk: its name, path, nominal resolution and origin."""

    name: str
    path: Path
    arcsec: float  # nominal post spacing, arc-seconds (SRTM size checked when opened)
    kind: str  # "srtm" or "dted"
    origin: str  # "explicit", "env", "cache" or "embedded"


def embedded_dem_dir() -> Path:
    """The DTED0 tiles shipped with terrain (wheel: terrain/dem; checkout: ./dem)."""
    try:
        packaged = Path(str(resources.files("terrain") / "dem"))
        if (packaged / "dted0").is_dir():
            return packaged
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - exotic importers
        pass
    return Path(__file__).resolve().parent.parent / "dem"


def cache_dir() -> Path:
    """Per-user tile cache: $TERRAIN_CACHE_DIR, else $XDG_CACHE_HOME/terrain/tiles."""
    if os.environ.get("TERRAIN_CACHE_DIR"):
        return Path(os.environ["TERRAIN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "terrain" / "tiles"


def search_path(explicit=None) -> list[tuple[Path, str]]:
    """Directories searched for tiles, in order, each with where it came from.

    An explicit directory (or list), then ``TERRAIN_DEM_PATH`` (os.pathsep
    separated), then the per-user cache, then the embedded DTED0.
    """
    dirs: list[tuple[Path, str]] = []
    if explicit is not None:
        items = [explicit] if isinstance(explicit, (str, os.PathLike)) else list(explicit)
        dirs += [(Path(p), "explicit") for p in items]
    env = os.environ.get("TERRAIN_DEM_PATH")
    if env:
        dirs += [(Path(p), "env") for p in env.split(os.pathsep) if p]
    dirs.append((cache_dir(), "cache"))
    dirs.append((embedded_dem_dir(), "embedded"))
    return dirs


def _classify(path: Path, origin: str) -> TileFile | None:
    m = _SRTM_RE.match(path.name)
    if m:
        name = tile_name(*parse_tile_name("".join(m.groups()[:4])))
        # 1" vs 3" is decided by size when opened; guess from the raw size here.
        arcsec = 1.0 if _raw_size_hint(path) == 2 * constants.SRTM1_SIZE**2 else 3.0
        return TileFile(name, path, arcsec, "srtm", origin)
    m = _DTED_RE.match(path.name)
    d = _DTED_DIR_RE.match(path.parent.name)
    if m and d:
        lat = int(m.group(2)) * (1 if m.group(1).lower() == "n" else -1)
        lon = int(d.group(2)) * (1 if d.group(1).lower() == "e" else -1)
        return TileFile(tile_name(lat, lon), path, _DTED_ARCSEC[m.group(3)], "dted", origin)
    return None


def _raw_size_hint(path: Path) -> int | None:
    """Uncompressed byte size of an .hgt file, read from the container where cheap (a guess; checked on open)."""
    sizes = {2 * constants.SRTM1_SIZE**2, 2 * constants.SRTM3_SIZE**2}
    try:
        if path.suffix.lower() == ".hgt":
            return path.stat().st_size
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                return max((i.file_size for i in zf.infolist()), default=None)
        if path.suffix.lower() == ".gz":
            with open(path, "rb") as fh:  # ISIZE: last 4 bytes, little endian (of the last member only)
                fh.seek(-4, os.SEEK_END)
                size = int.from_bytes(fh.read(4), "little")
            return size if size in sizes else len(archive_bytes(path)[1])  # several members: count them
    except (OSError, zipfile.BadZipFile, CorruptTileError):
        return None
    return None


def read_bounded(fh, limit: int, source: str) -> bytes:
    """All of a (decompressing) stream, refusing it as soon as it passes ``limit`` bytes (no bombs)."""
    chunks, got = [], 0
    while True:
        chunk = fh.read(min(1 << 20, limit + 1 - got))
        if not chunk:
            return b"".join(chunks)
        got += len(chunk)
        if got > limit:
            raise CorruptTileError(f"{source}: decompresses to more than {limit} bytes; not an elevation tile",
                                   path=source)
        chunks.append(chunk)


def _archive_limit(inner: str) -> int:
    """Largest decompressed size accepted (bytes): an SRTM 1" tile for .hgt, else MAX_DEM_CELLS float32."""
    if inner.lower().endswith(".hgt"):
        return 2 * constants.SRTM1_SIZE**2
    return 4 * constants.MAX_DEM_CELLS


def archive_bytes(path: Path) -> tuple[str, bytes]:
    """(inner file name, decompressed bytes) of a .zip or .gz elevation file, verified end to end.

    Every gzip member is read and its CRC and length checked; a zip member's CRC is checked; the
    size is bounded while streaming. A damaged archive is a ``CorruptTileError``, never zeros.
    """
    st = path.stat()
    return _archive_bytes(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=2)  # load_dem opens each tile twice in a row (header, then window)
def _archive_bytes(path_text: str, _mtime_ns: int, _size: int) -> tuple[str, bytes]:
    path = Path(path_text)
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                members = [i for i in zf.infolist() if not i.is_dir()]
                if not members:
                    raise CorruptTileError(f"{path}: zip archive is empty", path=path_text)
                member = next((i for i in members if i.filename.lower().endswith(".hgt")), members[0])
                inner = Path(member.filename).name
                outer = _SRTM_RE.match(path.name)
                if outer and inner.lower() != path.name.lower()[: -len(".zip")]:
                    raise CorruptTileError(f"{path}: holds {inner}, not {path.name[: -len('.zip')]} - the wrong tile "
                                           "(its posts would be placed where its own name says)", path=path_text)
                limit = _archive_limit(inner)
                if member.file_size > limit:
                    raise CorruptTileError(f"{path}: {inner} declares {member.file_size} bytes, more than the "
                                           f"{limit} an elevation file may have", path=path_text)
                with zf.open(member) as fh:
                    raw = read_bounded(fh, limit, path_text)
        else:
            inner = path.name[: -len(".gz")]
            with gzip.open(path, "rb") as fh:
                raw = read_bounded(fh, _archive_limit(inner), path_text)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        if isinstance(exc, CorruptTileError):
            raise
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CorruptTileError(f"{path}: damaged archive ({text}); delete it and fetch it again",
                               path=path_text) from exc
    return inner, raw


def local_tiles(explicit=None) -> list[TileFile]:
    """Every tile file in the search path, in search-path order."""
    found = []
    for directory, origin in search_path(explicit):
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                tile = _classify(path, origin)
                if tile:
                    found.append(tile)
    return found


def best_tiles(names, explicit=None) -> dict[str, list[TileFile]]:
    """For each tile name, its files ordered finest first, then by search-path order."""
    by_name: dict[str, list[TileFile]] = {n: [] for n in names}
    for tile in local_tiles(explicit):
        if tile.name in by_name:
            by_name[tile.name].append(tile)
    for files in by_name.values():
        files.sort(key=lambda t: t.arcsec)  # stable: search-path order kept per resolution
    return by_name


# --- downloads ---------------------------------------------------------------

_TILE_SIZES = (constants.SRTM1_SIZE, constants.SRTM3_SIZE)
#: Largest download accepted (bytes): an uncompressed 1" tile plus headroom (compressed ones are smaller).
_MAX_PAYLOAD = 2 * constants.SRTM1_SIZE**2 + (1 << 20)


def _validate_hgt_bytes(raw: bytes, source: str) -> int:
    """Side length of an SRTM tile from its raw bytes, or CorruptTileError (wrong size, or all one value)."""
    side = next((n for n in _TILE_SIZES if len(raw) == 2 * n * n), None)
    if side is None:
        raise CorruptTileError(
            f"{source}: {len(raw)} bytes is not an SRTM tile "
            f"(expected {2 * constants.SRTM1_SIZE**2} for 1\" or {2 * constants.SRTM3_SIZE**2} for 3\")",
            path=source,
        )
    posts = np.frombuffer(raw, dtype=">i2")
    if (posts == posts[0]).all():  # an all-zero (or all-void) payload of the right size is a placeholder, not data
        raise CorruptTileError(f"{source}: every post is {int(posts[0])} m - not elevation data", path=source)
    return side


def _decompress(payload: bytes, url: str, name: str) -> bytes:
    """The .hgt bytes inside a gzip/zip payload (bounded, CRC-checked, the right tile) or the payload itself."""
    try:
        if payload[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=io.BytesIO(payload)) as fh:  # every member, CRC and length checked
                return read_bounded(fh, 2 * constants.SRTM1_SIZE**2, url)
        if payload[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(payload)) as zf:
                members = [i for i in zf.infolist() if i.filename.lower().endswith(".hgt")]
                if not members:
                    raise CorruptTileError(f"{url}: zip archive holds no .hgt file", path=url)
                inner = Path(members[0].filename).name
                if inner.lower() != f"{name.lower()}.hgt":
                    raise CorruptTileError(f"{url}: zip archive holds {inner}, not {name}.hgt", path=url)
                with zf.open(members[0]) as fh:
                    return read_bounded(fh, 2 * constants.SRTM1_SIZE**2, url)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        if isinstance(exc, CorruptTileError):
            raise
        raise CorruptTileError(f"{url}: truncated or corrupt archive ({exc})", path=url) from exc
    return payload


def _download_bytes(url: str, timeout_s: float, deadline: float, progress) -> bytes:
    """The body at ``url``: bounded in size, and abandoned (TimeoutError) at the monotonic ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("overall deadline passed")
    with urllib.request.urlopen(url, timeout=min(timeout_s, remaining)) as resp:
        total = resp.headers.get("Content-Length")
        total = int(total) if total and total.strip().isdigit() else None
        if total is not None and total > _MAX_PAYLOAD:
            raise CorruptTileError(f"{url}: {total} bytes is more than any SRTM tile", path=url)
        chunks, got = [], 0
        bar = progress(total=total, desc=url.rsplit("/", 1)[-1]) if progress else None
        try:
            while True:
                if time.monotonic() > deadline:  # a mirror dripping bytes never trips the socket timeout
                    raise TimeoutError(f"no complete tile within the overall deadline ({got} bytes received)")
                chunk = resp.read1(1 << 16)  # returns what has arrived: read() would wait for all 64 KiB
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
                if got > _MAX_PAYLOAD:
                    raise CorruptTileError(f"{url}: more than {_MAX_PAYLOAD} bytes; not an SRTM tile", path=url)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if total is not None and got != total:
        raise CorruptTileError(f"{url}: truncated download ({got} of {total} bytes)", path=url)
    return b"".join(chunks)


def tile_url(url_template: str, name: str) -> str:
    """The URL of tile ``name`` from a template; InvalidParameterError for unknown placeholders or a bad URL."""
    try:
        url = str(url_template).format(name=name, lat_dir=name[:3])
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise InvalidParameterError(f"--url-template {url_template!r} is not valid: placeholders are {{name}} "
                                    f"(N48E037) and {{lat_dir}} (N48) ({type(exc).__name__}: {exc})") from None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise InvalidParameterError(f"--url-template {url_template!r} gives {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.hostname):
        raise InvalidParameterError(f"--url-template {url_template!r} gives {url!r}, not an http(s):// or file:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise InvalidParameterError(f"--url-template {url_template!r} gives {url!r}: {exc}") from None
    return url


def _cached_ok(target: Path) -> bool:
    """True if a cached tile is complete (one of the two SRTM sizes)."""
    try:
        return target.stat().st_size in {2 * n * n for n in _TILE_SIZES}
    except OSError:
        return False


def fetch_tile(
    name: str,
    *,
    url_template: str = constants.TILE_URL_TEMPLATE,
    dest_dir=None,
    retries: int = constants.DOWNLOAD_RETRIES,
    backoff_s: float = constants.DOWNLOAD_BACKOFF_S,
    timeout_s: float = constants.DOWNLOAD_TIMEOUT_S,
    deadline_s: float = constants.DOWNLOAD_DEADLINE_S,
    overwrite: bool = False,
    progress=None,
) -> Path:
    """Download one SRTM tile into the cache, verified, atomically.

    Parameters
    ----------
    name : str
        Tile name, e.g. ``"N48E037"``.
    url_template : str
        URL with ``{name}`` and optionally ``{lat_dir}`` (``N48``); default
        :data:`terrain.constants.TILE_URL_TEMPLATE`.
    dest_dir : path, optional
        Where the tile goes; default :func:`cache_dir`.
    retries, backoff_s, timeout_s, deadline_s
        Attempts after the first (count), initial back-off doubled each time and capped at
        ``DOWNLOAD_BACKOFF_MAX_S`` (s), socket timeout (s), overall time for the tile, all attempts (s).
    progress : callable, optional
        A tqdm-like factory ``progress(total=, desc=)``.

    Returns
    -------
    Path of ``<dest_dir>/<name>.hgt`` (stored uncompressed for fast windowed reads). A cached
    file of the wrong size (a truncated earlier write) is downloaded again.

    Raises
    ------
    DownloadError
        Every attempt failed (HTTP error, timeout, deadline, truncated, corrupt or wrong data).
    InvalidParameterError
        A bad name, URL template, timeout, deadline or retry count.
    """
    lat, lon = parse_tile_name(name)
    name = tile_name(lat, lon)
    timeout_s = _positive("timeout", timeout_s)
    deadline_s = _positive("deadline", deadline_s)
    backoff_s = _positive("backoff", backoff_s, allow_zero=True)
    if isinstance(retries, bool) or not isinstance(retries, (int, np.integer)) or not 0 <= retries <= 100:
        raise InvalidParameterError(f"retries {retries!r} must be an integer from 0 to 100")
    url = tile_url(url_template, name)
    dest = Path(dest_dir) if dest_dir is not None else cache_dir()
    target = dest / f"{name}.hgt"
    _clean_stale_partials(target)
    if target.exists() and not overwrite and _cached_ok(target):
        return target
    deadline = time.monotonic() + deadline_s
    errors = []
    for attempt in range(retries + 1):
        try:
            raw = _decompress(_download_bytes(url, timeout_s, deadline, progress), url, name)
            _validate_hgt_bytes(raw, url)
            _atomic_write(target, raw)
            return target
        except OutputError:
            raise  # the download was good; the cache cannot be written: retrying will not help
        except urllib.error.HTTPError as exc:
            errors.append(f"HTTP {exc.code}")
            if 400 <= exc.code < 500 and exc.code != 429:
                break  # the tile does not exist there; retrying will not help
        except (urllib.error.URLError, OSError, TimeoutError, http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            errors.append(f"{type(exc).__name__}: {reason}".splitlines()[0])
        pause = min(backoff_s * 2**attempt, constants.DOWNLOAD_BACKOFF_MAX_S)
        if attempt == retries or time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)
    raise DownloadError(f"could not download {name} from {url}: " + "; ".join(errors))


def _positive(name: str, value, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InvalidParameterError(f"{name} {value!r} must be a finite number of seconds > 0")
    return v


def _partial_prefix(target: Path) -> str:
    return f".{target.name}."


def _clean_stale_partials(target: Path) -> None:
    """Delete ``.N48E037.hgt.<pid>.*.part`` files left by killed processes (their pid is gone)."""
    if not target.parent.is_dir():
        return
    for part in target.parent.glob(f"{_partial_prefix(target)}*.part"):
        pid_text = part.name[len(_partial_prefix(target)):].split(".", 1)[0]
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue  # another process is writing it now
        try:
            part.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _atomic_write(target: Path, data: bytes) -> None:
    """Write to a temporary file beside ``target`` (named with our pid) and rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f"{_partial_prefix(target)}{os.getpid()}.", suffix=".part",
                                   dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write the tile cache {target.parent}: {exc.strerror or exc}",
                          path=str(target)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; a cached tile follows the umask like any new file
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}", path=str(target)) from exc
        raise
