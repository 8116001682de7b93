"""Maps at true ground scale: equal pixels per km east and north, and a scale bar that measures them."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from affine import Affine

import terrain
from terrain import geodesy, plot


@pytest.mark.parametrize("lat0", [0.0, 48.3, 60.0])
def test_lat_lon_map_is_drawn_at_true_scale(lat0):
    """A 30" grid: 10 km east and 10 km north of the centre span the same pixels (a disc is a circle, not an
    ellipse 1/cos(lat) wide), also after an overlay is drawn (imshow resets the aspect unless told)."""
    step = 30 / 3600
    dem = terrain.Dem.from_array(np.random.default_rng(0).normal(100, 5, (121, 121)),
                                 Affine(step, 0, 37.0 - 60.5 * step, 0, -step, lat0 + 60.5 * step), "EPSG:4326")
    fig, ax = plot.hillshade_axes(dem, title="test")
    plot.visible_overlay(ax, dem, np.ones(dem.shape, bool))
    plot.add_scale_bar_and_north(ax, dem)
    fig.canvas.draw()
    la_n, lo_n = geodesy.destination(lat0, 37.0, 0.0, 10_000.0)
    la_e, lo_e = geodesy.destination(lat0, 37.0, 90.0, 10_000.0)
    c, n, e = ax.transData.transform([(37.0, lat0), (float(lo_n), float(la_n)), (float(lo_e), float(la_e))])
    px_north, px_east = np.hypot(*(n - c)), np.hypot(*(e - c))
    assert abs(px_east / px_north - 1) < 0.01, (px_east, px_north)
    bar = next(line for line in ax.lines if line.get_linewidth() == 3)
    (x0, y0), (x1, y1) = ax.transData.transform(np.column_stack(bar.get_data()))
    label_km = float(next(t.get_text() for t in ax.texts if t.get_text().endswith(" km")).split()[0])
    assert abs(np.hypot(x1 - x0, y1 - y0) / (px_north * label_km / 10.0) - 1) < 0.01
    matplotlib.pyplot.close(fig)
