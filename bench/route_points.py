"""Point → grid routing throughput: the demo city's grids in a shapely STRtree (core.geo.PolygonIndex),
N seeded random points over the city's bounding box routed with one `locate_many` call.

    .venv/bin/python bench/route_points.py [--points N] [--seed S] [--scale city|province]

Prints one JSON line (DESIGN.md "Benchmarks"); exits non-zero if `locate_many` and `locate` disagree
on a sample of points or if the figure is below the floor."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeloop.settings")

import django

django.setup()

import numpy as np  # noqa: E402

from safeloop.core.geo import PolygonIndex  # noqa: E402
from safeloop.orgs.demo.geography import DEFAULT_SEED, city_geography, province_geography  # noqa: E402

FLOOR = 100_000  # points per second
SAMPLE = 2_000  # points also routed one by one with `locate`


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", choices=("city", "province"), default="city")
    args = parser.parse_args()

    geography = city_geography(args.seed) if args.scale == "city" else province_geography(args.seed)
    index = PolygonIndex((grid.code, grid.geojson) for grid in geography.grids)
    minx, miny, maxx, maxy = geography.bounds
    rng = np.random.default_rng(args.seed)
    lons = rng.uniform(minx, maxx, args.points)
    lats = rng.uniform(miny, maxy, args.points)

    started = time.perf_counter()
    routed = index.locate_many(lons, lats)
    seconds = time.perf_counter() - started

    sample = rng.choice(args.points, size=min(SAMPLE, args.points), replace=False)
    disagree = [int(i) for i in sample if index.locate(float(lons[i]), float(lats[i])) != routed[i]]
    value = args.points / seconds
    print(
        json.dumps(
            {
                "bench": "route_points",
                "value": round(value),
                "unit": "points/s",
                "floor": FLOOR,
                "ratio": round(value / FLOOR, 2),
                "grids": len(index),
                "points": args.points,
                "routed_inside": sum(code is not None for code in routed),
                "checked_against_locate": len(sample),
                "disagreements": len(disagree),
            },
            ensure_ascii=False,
        )
    )
    if disagree:
        print(f"locate_many and locate disagree on point #{disagree[0]}", file=sys.stderr)
        return 1
    return 0 if value >= FLOOR else 2


if __name__ == "__main__":
    sys.exit(main())
