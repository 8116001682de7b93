#!/usr/bin/env bash
# Install the benchmark peers on a Debian machine (root): GDAL's gdal_viewshed, GRASS r.viewshed,
# SPLAT! (splat, splat-hd, srtm2sdf, srtm2sdf-hd), xarray-spatial, and itmlogic (ITM cross-check).
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y gdal-bin grass-core splat time
python3 -m pip install xarray-spatial itmlogic
