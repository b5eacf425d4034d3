"""The district's real shape for `seed_demo`: 1 district, 14 streets, 159 communities,
1,080 grids, 5,888 micro-grids and 492 dedicated grids, with codes and plausible names.

Codes follow the national division code of 中原区 (410102): a street adds three digits, a
community three more, a grid three more (001-…), a micro-grid three more; dedicated grids
hang under their community with codes 901-…. Built level by level with bulk inserts, and
only what is missing is created, so a second run adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import GridLevel, GridUnit

DISTRICT_CODE = "410102"
DISTRICT_NAME = "中原区"
STREETS = [
    "林山寨街道",
    "建设路街道",
    "棉纺路街道",
    "秦岭路街道",
    "桐柏路街道",
    "三官庙街道",
    "绿东村街道",
    "汝河路街道",
    "航海西路街道",
    "中原西路街道",
    "须水街道",
    "莲湖街道",
    "石佛街道",
    "沟赵街道",
]
COUNTS = {GridLevel.COMMUNITY: 159, GridLevel.GRID: 1080, GridLevel.MICRO: 5888, GridLevel.DEDICATED: 492}
_PLACES = [
    "桐柏",
    "棉纺",
    "华山",
    "嵩山",
    "伏牛",
    "颍河",
    "淮河",
    "互助",
    "友爱",
    "幸福",
    "和平",
    "文化",
    "工人",
    "百花",
    "西站",
    "碧沙",
    "协作",
    "兴华",
    "朝阳",
    "锦艺",
    "郑上",
    "须水",
    "莲湖",
    "石佛",
    "沟赵",
    "秦岭",
    "汝河",
    "航海",
    "中原",
    "建设",
    "三官",
    "绿东",
    "林山",
    "冉屯",
    "陇海",
    "电厂",
    "五龙",
    "西岗",
    "后河",
    "杨庄",
    "站马",
    "闫垛",
    "柿园",
    "董岗",
    "牛砦",
    "大岗",
    "小李",
    "孙庄",
    "岗坡",
    "南阳",
]
_DEDICATED_KINDS = ["小学", "中学", "医院", "农贸市场", "公园", "幼儿园", "养老院", "商场"]


def spread(total: int, parts: int) -> list[int]:
    """Split `total` into `parts` counts that differ by at most one, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def _children(
    parents: list[GridUnit],
    level: str,
    name: Callable[[GridUnit, int, int], str],
    *,
    code_infix: str = "",
    width: int = 3,
) -> list[GridUnit]:
    """COUNTS[level] new units spread over `parents`; a child's code is its parent's code plus
    `code_infix` and a serial of `width` digits. `name(parent, i, serial)` names the i-th child."""
    rows, serial = [], 0
    for parent, count in zip(parents, spread(COUNTS[level], len(parents)), strict=True):
        for i in range(1, count + 1):
            code = f"{parent.code}{code_infix}{i:0{width}d}"
            rows.append(
                GridUnit(
                    parent=parent,
                    level=level,
                    code=code,
                    name=name(parent, i, serial),
                    path=GridUnit.path_for(parent, code),
                    depth=parent.depth + 1,
                )
            )
            serial += 1
    return rows


def _community_name(parent: GridUnit, i: int, serial: int) -> str:
    quarter = ["东", "西", "南", "北", "中", "新", ""][serial // len(_PLACES) % 7]
    return f"{_PLACES[serial % len(_PLACES)]}{quarter}社区"


def _dedicated_name(parent: GridUnit, i: int, serial: int) -> str:
    return f"{parent.name.removesuffix('社区')}{_DEDICATED_KINDS[serial % len(_DEDICATED_KINDS)]}"


def _ensure(rows: list[GridUnit]) -> list[GridUnit]:
    """Insert the rows whose codes are new; return all of them as stored, in order."""
    codes = [r.code for r in rows]
    existing = {u.code: u for u in GridUnit.objects.filter(code__in=codes)}
    GridUnit.objects.bulk_create([r for r in rows if r.code not in existing], batch_size=2000)
    stored = {u.code: u for u in GridUnit.objects.filter(code__in=codes)}
    return [stored[c] for c in codes]


def build_district() -> dict[str, list[GridUnit]]:
    district = _ensure(
        [
            GridUnit(
                level=GridLevel.DISTRICT,
                code=DISTRICT_CODE,
                name=DISTRICT_NAME,
                path=GridUnit.path_for(None, DISTRICT_CODE),
                depth=0,
            )
        ]
    )
    streets = _ensure(
        [
            GridUnit(
                parent=district[0],
                level=GridLevel.STREET,
                code=f"{DISTRICT_CODE}{i:03d}",
                name=n,
                path=GridUnit.path_for(district[0], f"{DISTRICT_CODE}{i:03d}"),
                depth=1,
            )
            for i, n in enumerate(STREETS, start=1)
        ]
    )
    communities = _ensure(_children(streets, GridLevel.COMMUNITY, _community_name))
    grids = _ensure(_children(communities, GridLevel.GRID, lambda p, i, s: f"{p.name}第{i}网格"))
    micros = _ensure(_children(grids, GridLevel.MICRO, lambda p, i, s: f"{p.name}{i}号{'楼' if i % 3 else '院'}"))
    dedicated = _ensure(_children(communities, GridLevel.DEDICATED, _dedicated_name, code_infix="9", width=2))
    return {
        "district": district,
        "street": streets,
        "community": communities,
        "grid": grids,
        "micro": micros,
        "dedicated": dedicated,
    }
