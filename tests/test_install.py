import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import terrain
from terrain.tiles import embedded_dem_dir

ROOT = Path(__file__).resolve().parent.parent


def test_embedded_dem_resolves_for_this_install():
    pkg = Path(terrain.__file__).resolve().parent
    d = embedded_dem_dir()
    if (pkg / "dem" / "dted0").is_dir():  # wheel install: shipped as terrain/dem
        assert d.resolve() == (pkg / "dem").resolve()
    else:  # source checkout / editable install
        assert d.resolve() == (ROOT / "dem").resolve()
    assert (d / "dted0" / "e037" / "n48.dt0").is_file() and (d / "SOURCES.md").is_file()


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_ships_the_embedded_dem(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True)
    wheel = next(tmp_path.glob("terrain-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"terrain/dem/dted0/e0{lo}/n{la}.dt0" for la in (47, 48, 49) for lo in (36, 37, 38)}
    assert expected <= names and "terrain/dem/SOURCES.md" in names


def test_public_api_loads_lazily_and_names_stay_functions():
    """`import terrain` (and the CLI's start) does not import rasterio or numba; every public name resolves, and
    terrain.viewshed stays the function after its submodule of the same name is imported."""
    code = ("import sys, terrain, terrain.cli.main; assert 'rasterio' not in sys.modules and 'numba' not in sys.modules; "
            "import terrain.viewshed; from terrain.viewshed import visible_areas; "
            "assert callable(terrain.viewshed) and terrain.viewshed.__name__ == 'viewshed'; "
            "[getattr(terrain, n) for n in terrain.__all__]; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
