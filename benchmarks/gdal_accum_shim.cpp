// A C entry point to GDAL 3.10's cumulative viewshed (gdal_viewshed -om ACCUM), for the benchmark only.
//
// The rasterio wheel's libgdal exports gdal::viewshed::Cumulative but ships no headers and no
// gdal_viewshed command, so this file declares the few types it needs as GDAL 3.10 lays them out
// (alg/viewshed/viewshed_types.h: Options; port/cpl_string.h: CPLStringList) and is compiled on the
// benchmark machine against that libgdal (benchmarks/gdal_accum.py). It is not a build of GDAL.
// The benchmark checks the result against our exact counts, so a layout that did not match would show.

#include <cstdint>
#include <new>
#include <string>

class CPLStringList {
  public:
    CPLStringList();
    ~CPLStringList();

  private:
    char **list_;
    int count_;
    int allocated_;
    bool owned_;
    bool sorted_;
};

namespace gdal {
namespace viewshed {

enum class OutputMode { Normal, DEM, Ground, Cumulative };
enum class CellMode { Diagonal, Edge, Max, Min };

struct Point {
    double x, y, z;
};

struct Options {
    Point observer{0, 0, 0};
    double visibleVal{255};
    double invisibleVal{0};
    double outOfRangeVal{0};
    double nodataVal{-1};
    double targetHeight{0.0};
    double maxDistance{0.0};
    double curveCoeff{.85714};
    OutputMode outputMode{OutputMode::Normal};
    std::string outputFormat{};
    std::string outputFilename{};
    CPLStringList creationOpts{};
    CellMode cellMode{CellMode::Edge};
    int observerSpacing{10};
    uint8_t numJobs{3};
};

class Cumulative {
  public:
    explicit Cumulative(const Options &opts);
    ~Cumulative();
    bool run(const std::string &srcFilename, int (*progress)(double, const char *, void *), void *data);
};

}  // namespace viewshed
}  // namespace gdal

static int quiet(double, const char *, void *) { return 1; }

// Cumulative viewshed of src (observers every `spacing` cells, `height` m up) into a GeoTIFF at dst.
// Returns 1 on success.
extern "C" int terrain_gdal_accum(const char *src, const char *dst, double height, double target, double max_distance,
                                  double curve_coeff, int spacing, int jobs) {
    gdal::viewshed::Options o;
    o.observer.z = height;
    o.targetHeight = target;
    o.maxDistance = max_distance;
    o.curveCoeff = curve_coeff;
    o.outputMode = gdal::viewshed::OutputMode::Cumulative;
    o.outputFormat = "GTiff";
    o.outputFilename = dst;
    o.observerSpacing = spacing;
    o.numJobs = static_cast<uint8_t>(jobs);
    // the object's size is GDAL's business: give it more room than it can need
    alignas(64) static unsigned char room[1 << 16];
    auto *c = new (room) gdal::viewshed::Cumulative(o);
    bool ok = c->run(src, quiet, nullptr);
    c->~Cumulative();
    return ok ? 1 : 0;
}
