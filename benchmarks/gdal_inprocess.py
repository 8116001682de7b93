"""GDAL's viewshed algorithm timed in-process, without gdal_viewshed's process start and file I/O.

Run by a Python that has GDAL's bindings (``osgeo``; Debian: python3-gdal for /usr/bin/python3), usually not
the project's own: ``python gdal_inprocess.py DEM.tif X Y OBS_H TGT_H RADIUS_M CURV_COEFF RUNS OUT.npy``.
The DEM is copied into a MEM dataset before timing; each run is ``gdal.ViewshedGenerate`` into a MEM
output with the parameters gdal_viewshed uses for ``-vv 255 -iv 0 -ov 0 -om NORMAL`` (cell mode "edge",
its default). Prints JSON {"version", "times_s"}; saves the last run's visible cells (bool, on the DEM grid)
to OUT.npy.
"""

import json
import sys
import time

import numpy as np
from osgeo import gdal


def main(argv):
    dem_tif, out_npy = argv[0], argv[8]
    x, y, obs_h, tgt_h, radius_m, cc = (float(v) for v in argv[1:7])
    runs = int(argv[7])
    gdal.UseExceptions()
    src = gdal.GetDriverByName("MEM").CreateCopy("", gdal.Open(dem_tif))
    band = src.GetRasterBand(1)
    times = []
    for i in range(runs + 1):  # the first run warms caches and is not counted
        t0 = time.perf_counter()
        out = gdal.ViewshedGenerate(band, "MEM", "", [], x, y, obs_h, tgt_h, 255.0, 0.0, 0.0, -1.0, cc,
                                    gdal.GVM_Edge, radius_m, heightMode=gdal.GVOT_NORMAL)
        if i:
            times.append(time.perf_counter() - t0)
    # the output covers the -md window: place it back on the DEM grid
    vis = np.zeros((src.RasterYSize, src.RasterXSize), bool)
    g_src, g_out = src.GetGeoTransform(), out.GetGeoTransform()
    col0 = round((g_out[0] - g_src[0]) / g_src[1])
    row0 = round((g_out[3] - g_src[3]) / g_src[5])
    vis[row0 : row0 + out.RasterYSize, col0 : col0 + out.RasterXSize] = out.GetRasterBand(1).ReadAsArray() == 255
    np.save(out_npy, vis)
    print(json.dumps({"version": gdal.VersionInfo("RELEASE_NAME"), "times_s": times}))


if __name__ == "__main__":
    main(sys.argv[1:])
