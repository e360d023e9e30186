"""The 11 districts' acceptance offices (各区人社部门引进人才对外服务), from the help desk's FAQ."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class DistrictOffice:
    district: str  # 越秀区
    bureau: str  # 受理机构
    office: str  # 受理点
    address: str
    phones: tuple[str, ...]
    hours: str


_MORNING = "周一至周五 上午9:00-12:00"

OFFICES: tuple[DistrictOffice, ...] = (
    DistrictOffice("越秀区", "越秀区人社局", "越秀区人才服务管理办公室",
                   "广州市越秀区东华北路9号二楼人才服务窗口", ("37631711",),
                   f"{_MORNING} 下午13:00-17:00"),
    DistrictOffice("海珠区", "海珠区人社局", "海珠区人才服务管理中心",
                   "广州市海珠区同福中路399号1-2号窗", ("34371347",),
                   f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("荔湾区", "荔湾区人社局", "荔湾区人才服务管理办公室",
                   "广州市荔湾区逢源路127号一楼办事大厅1-2号窗", ("81376119", "81378224"),
                   f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("天河区", "天河区人社局", "天河区人才服务管理办公室",
                   "广州市天河区海欣街22号", ("38470847", "85583630"),
                   f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("白云区", "白云区人社局", "白云区人力资源服务中心",
                   "广州市白云区白云大道南118号7楼人才引进办事大厅1--2号窗口", ("86555114",),
                   f"{_MORNING} 下午13:00-17:00"),
    DistrictOffice("花都区", "花都区人社局", "花都区人才交流管理办公室",
                   "花都区花城街公益大道府西一路1号花都区人力资源和社会保障局1号楼一楼1102室",
                   ("86894782",), f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("番禺区", "番禺区人社局", "番禺区人才交流管理办公室",
                   "广州市番禺区市桥街桥兴大道10号（市桥汽车站西门南侧）番禺人才办公大楼五楼人才引进入户专窗",
                   ("84699620",), f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("黄埔区", "黄埔区人社局", "黄埔区人才交流服务中心",
                   "广州市黄埔区新阳东路保利罗兰一期中珺广场欣兰大街2号（中国广州人力资源服务产业园）7楼",
                   ("82108853",), f"{_MORNING} 下午13:00-17:00"),
    DistrictOffice("南沙区", "南沙区人社局", "南沙区人才服务管理办公室",
                   "广州市南沙区环市大道中17号206室", ("34689084",),
                   f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("从化区", "从化区人社局", "从化区人才服务管理办公室",
                   "从化区河滨南路43号（区人社局）3楼", ("87927631",),
                   f"{_MORNING} 下午14:00-18:00"),
    DistrictOffice("增城区", "增城区人社局", "增城区人才服务管理办公室",
                   "广州市增城区荔城街挂绿路25号4楼", ("82731139", "82758916"),
                   f"{_MORNING} 下午13:00-17:00"),
)  # fmt: skip

DISTRICTS: tuple[str, ...] = tuple(o.district for o in OFFICES)


def find_office(district: str) -> DistrictOffice | None:
    return next((office for office in OFFICES if office.district == district), None)


def office_of(district: str) -> DistrictOffice:
    office = find_office(district)
    if office is not None:
        return office
    raise DomainError(ErrorCode.INVALID_INPUT, f"{district} 不是广州市的区", field="district")
