"""A small, real test city for the suite: two districts' villages and grids, enterprises in several
sectors, and the demo logins of DESIGN.md as named personas. Built through the services, so the
audit trail is as it would be in production."""

from dataclasses import dataclass
from typing import Any

from safeloop.accounts.demo_people import create_demo_people
from safeloop.core.actors import DEMO
from safeloop.orgs import services as org_services
from safeloop.orgs.models import Enterprise, Grid
from safeloop.orgs.validators import uscc_check_char


def make_uscc(serial: int, division: str = "360602") -> str:
    """A valid GB 32100 code: 91 (enterprise), the division, a 9-character organisation code."""
    body = f"91{division}{serial:09d}"
    return body + uscc_check_char(body)


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class TestCity:
    grids: dict[str, Grid]
    enterprises: dict[str, Enterprise]
    people: dict[str, Any]


# (village code, village name, township code, south-west corner of its single grid)
VILLAGES = (
    ("360602001001", "滨江社区", "360602001", (117.030, 28.230)),
    ("360602001002", "站前社区", "360602001", (117.040, 28.230)),
    ("360602003001", "东湖社区", "360602003", (117.050, 28.230)),
    ("360681001001", "花园社区", "360681001", (117.210, 28.290)),
)

ENTERPRISES = (
    ("yuehu_gas", "鹰潭月湖燃气有限公司", ["gas"], (117.035, 28.235), 1),
    ("yuehu_school", "月湖区第一小学", ["campus", "fire"], (117.045, 28.235), 2),
    ("yuehu_chem", "鹰潭东湖化工有限公司", ["hazchem"], (117.055, 28.235), 3),
    ("guixi_fireworks", "贵溪市花园烟花爆竹批发部", ["fireworks"], (117.215, 28.295), 4),
)


def build_test_city() -> TestCity:
    grids: dict[str, Grid] = {}
    for village_code, name, township, (lon, lat) in VILLAGES:
        org_services.division_create(actor=DEMO, code=village_code, name=name, parent_code=township, synthetic=True)
        grid = org_services.grid_save(
            actor=DEMO, code=village_code + "001", name=f"{name}第1网格", geometry=square(lon, lat)
        )
        grids[village_code] = grid
    enterprises = {}
    for key, name, sectors, (lon, lat), serial in ENTERPRISES:
        enterprises[key] = org_services.enterprise_create(
            actor=DEMO,
            data={
                "name": name,
                "uscc": make_uscc(serial),
                "sectors": sectors,
                "lon": lon,
                "lat": lat,
                "address": f"{name}地址",
                "principal_name": "负责人",
                "principal_phone": "13912345678",
            },
        )
    people = create_demo_people(enterprise=enterprises["yuehu_gas"])
    return TestCity(grids=grids, enterprises=enterprises, people=people)
