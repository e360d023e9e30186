"""The city's catalogue of introduced skilled occupations (引进技术技能人才职业目录).

A sample of real occupation names from the national occupational classification, with a
flag for the shortage occupations the city's industries urgently need (行业紧缺工种).
The authority publishes the catalogue; a deployment replaces this sample with it. A
shared-data record's own ``in_catalogue`` and ``shortage`` flags win over this list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Occupation:
    name: str
    shortage: bool = False


CATALOGUE = (
    Occupation("电工"),
    Occupation("焊工", shortage=True),
    Occupation("车工"),
    Occupation("铣工"),
    Occupation("装配钳工"),
    Occupation("数控程序员", shortage=True),
    Occupation("汽车维修工"),
    Occupation("工业机器人系统操作员", shortage=True),
    Occupation("工业机器人系统运维员", shortage=True),
    Occupation("中式烹调师"),
    Occupation("西式面点师"),
    Occupation("养老护理员", shortage=True),
    Occupation("育婴员"),
)

_BY_NAME = {o.name: o for o in CATALOGUE}


def find_occupation(name: str) -> Occupation | None:
    return _BY_NAME.get(name.strip())
