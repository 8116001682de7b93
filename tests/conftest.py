import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--fuzz-scale", type=int, default=1, help="Multiply the fuzz suite's case counts (default 1).")
    parser.addoption("--runslow", action="store_true", help="The long fuzz run: --fuzz-scale 10.")


@pytest.fixture(scope="session")
def fuzz_scale(request):
    """How many times the default number of fuzz cases to run."""
    return 10 if request.config.getoption("--runslow") else max(1, request.config.getoption("--fuzz-scale"))


def pytest_terminal_summary(terminalreporter):
    from fuzzkit import TALLY

    if TALLY.counts:
        terminalreporter.write_sep("-", "fuzz outcomes (tests/fuzzkit.py)")
        terminalreporter.write_line(TALLY.table())
        for family in sorted({f for f, _ in TALLY.kinds}):
            kinds = sorted((k, n) for (f, k), n in TALLY.kinds.items() if f == family)
            terminalreporter.write_line(f"{family} cases: " + ", ".join(f"{k} {n}" for k, n in kinds))
        for line in TALLY.failures[:20]:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _isolated_tile_paths(tmp_path_factory, monkeypatch):
    """No test sees the developer's tile cache or TERRAIN_DEM_PATH."""
    monkeypatch.setenv("TERRAIN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("TERRAIN_DEM_PATH", raising=False)


@pytest.fixture(scope="session")
def pokrovsk_dem():
    """The embedded DTED0 mosaic, 60 km around Pokrovsk (loaded once)."""
    os.environ.pop("TERRAIN_DEM_PATH", None)
    import terrain

    return terrain.load_dem(48.2828, 37.1828, 60_000)
