"""Point → polygon lookup over GeoJSON stored as plain fields (WGS-84 lon/lat), with a shapely
STRtree. No GDAL or PostGIS needed (DESIGN.md "Geometry")."""

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


class GeometryError(ValueError):
    pass


def polygon_from_geojson(geojson: Any) -> BaseGeometry:
    """A valid Polygon/MultiPolygon from GeoJSON, or GeometryError saying what is wrong."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in {"Polygon", "MultiPolygon"}:
        raise GeometryError("must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(geojson)
    except Exception as exc:
        raise GeometryError(f"is not valid GeoJSON: {exc}") from exc
    if geometry.is_empty:
        raise GeometryError("is empty")
    if not geometry.is_valid:
        raise GeometryError(f"is not a valid polygon ({shapely.is_valid_reason(geometry)})")
    minx, miny, maxx, maxy = geometry.bounds
    if not (CHINA_LON[0] <= minx and maxx <= CHINA_LON[1] and CHINA_LAT[0] <= miny and maxy <= CHINA_LAT[1]):
        raise GeometryError("lies outside China's longitude/latitude range (WGS-84 lon, lat expected)")
    return geometry


def point_in_range(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


class PolygonIndex:
    """Keys and their polygons; `locate` answers which polygon holds a point (first match)."""

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        keys: list[str] = []
        geometries: list[BaseGeometry] = []
        for key, geojson in items:
            keys.append(key)
            geometries.append(shape(geojson))
        self.keys = np.array(keys, dtype=object)
        self.geometries = geometries
        self.tree = shapely.STRtree(geometries)

    def __len__(self) -> int:
        return len(self.keys)

    def locate(self, lon: float, lat: float) -> str | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return str(self.keys[min(hits)]) if len(hits) else None

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
        """Vectorised lookup: one STRtree query for all points."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, poly_idx = self.tree.query(points, predicate="intersects")
        # Where a point lies on a shared edge, keep the lowest polygon index, as `locate` does.
        best = np.full(len(points), len(self.keys), dtype=np.int64)
        np.minimum.at(best, point_idx, poly_idx)
        keys = np.empty(len(self.keys) + 1, dtype=object)
        keys[:-1] = self.keys
        return list(keys[best])
