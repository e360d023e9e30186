"""Normalisers, table-driven: what OCR returns on the left, what we store on the right."""

from __future__ import annotations

import pytest

from core.ocr.normalise import InvalidValue, conform, normalise, repair_lookalikes


@pytest.mark.parametrize(
    ("field_type", "text", "expected"),
    [
        # Dates: Arabic, Chinese numerals (〇 read as 〇, 0, O, ○ or 零), dotted, spaced.
        ("date", "1999年3月17日", "1999-03-17"),
        ("date", "1998 年 2 月 5 日", "1998-02-05"),
        ("date", "一九九五年三月十二日", "1995-03-12"),
        ("date", "二〇〇二年六月二十九日", "2002-06-29"),
        ("date", "二O一三年十二月三十一日", "2013-12-31"),
        ("date", "二0一三年十月十日", "2013-10-10"),
        ("date", "二○○六年十二月三十日", "2006-12-30"),
        ("date", "二零一八年一月二十日", "2018-01-20"),
        ("date", "2001.10.03", "2001-10-03"),
        ("date", "2013年06月01日起2083年06月01日止", "2013-06-01"),
        ("date", "二〇一八年六月", "2018-06"),
        ("date", "2011年9月", "2011-09"),
        ("date", "2019-02-27", "2019-02-27"),
        ("date", "2019/2/7", "2019-02-07"),
        # An Arabic 0 read as O, a 1 read as l or I.
        ("date", "2O19年O2月27日", "2019-02-27"),
        ("date", "l998年2月5日", "1998-02-05"),
        ("date", "1994.O3.I9", "1994-03-19"),
        ("date", "２０１９年２月２７日", "2019-02-27"),
        # Identity numbers: upper-case X, spaces dropped.
        ("id_number", "44011819820519701x", "44011819820519701X"),
        ("id_number", "440111 19990317 5213", "440111199903175213"),
        # A letter for a look-alike digit, repaired because the check digit confirms it.
        ("id_number", "44O111199903175213", "440111199903175213"),
        ("id_number", "4401111999031752l3", "440111199903175213"),
        ("id_number", "44011819820519701×", "44011819820519701X"),
        ("address", "广州市从化区中田西路413号15O7房", "广州市从化区中田西路413号1507房"),
        ("address", "广州市番禺区繁华路417号l307房", "广州市番禺区繁华路417号1307房"),
        ("address", "广州市天河区IT大厦3A座", "广州市天河区IT大厦3A座"),
        ("area", "13l.44平方米", "131.44"),
        ("area", "64.3O", "64.30"),
        ("cert_number", "粤高职证字第2O13829255号", "粤高职证字第2013829255号"),
        ("gender", "男", "男"),
        ("gender", "性别 女", "女"),
        ("ethnicity", "汉族", "汉"),
        ("ethnicity", "蒙古族", "蒙古"),
        ("ethnicity", "瑶", "瑶"),
        ("area", "131.44平方米", "131.44"),
        ("area", "64.30 m²", "64.30"),
        ("years", "四年", "4"),
        ("years", "4年", "4"),
        ("years", "五年制", "5"),
        ("years", "2.5年", "2.5"),
        ("years", "十年", "10"),
        ("unit_number", "440113 027009 GB81761 F00260140", "440113027009GB81761F00260140"),
        ("cert_number", "粤(2024)广州市不动产权第0438355号", "粤（2024）广州市不动产权第0438355号"),
        ("cert_number", "j440115-2016-012371", "J440115-2016-012371"),
        ("cert_number", "证书编号： 105921200905023954", "证书编号：105921200905023954"),
        ("skill_grade", "二级/技师", "技师"),
        ("skill_grade", "三级/高级工", "高级工"),
        ("skill_grade", "技师（国家职业资格二级）", "技师"),
        ("skill_grade", "一级", "高级技师"),
        ("person_name", "吴慧诗、梁帆健", "吴慧诗、梁帆健"),
        ("person_name", " 李 健 ", "李健"),
        ("address", "广州市从化区 中田西路413号1507房", "广州市从化区中田西路413号1507房"),
        ("organization", "广东省人力资源和社会保障厅：", "广东省人力资源和社会保障厅"),
    ],
)
def test_normalises(field_type: str, text: str, expected: str) -> None:
    assert normalise(field_type, text) == expected


@pytest.mark.parametrize(
    ("field_type", "text", "reason"),
    [
        ("date", "2019年2月30日", "impossible date"),
        ("date", "二〇一九年十三月一日", "impossible date"),
        ("date", "1850年1月1日", "implausible year"),
        ("date", "三月十二日", "not a date"),
        # The day is printed but unreadable: not offered as a month-precision date.
        ("date", "1974年5月?6日", "unreadable day"),
        # A letter where no digit fits, or a digit misread: the check digit refuses it.
        ("id_number", "44O111199903175214", "check digit|18-character"),
        # One digit wrong: the check digit no longer matches.
        ("id_number", "440111199903175214", "check digit"),
        ("id_number", "44011119990317521", "18-character"),
        # Check digit right, but born on 31 February.
        ("id_number", "440111199902315210", "birth date"),
        ("gender", "男女", "not a gender"),
        ("ethnicity", "火星族", "ethnic group"),
        ("unit_number", "440113027009GB81761F0026014", "unit number"),
        ("person_name", "Li Jian", "not a name"),
        ("years", "四十年", "implausible"),
        ("skill_grade", "工程师", "not a skill grade"),
        ("text", " ：", "empty"),
    ],
)
def test_refuses(field_type: str, text: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        normalise(field_type, text)


def test_unknown_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown field type"):
        normalise("colour", "red")


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("J440115-2016-012371", r"[A-Z]{1,2}\d{6}-\d{4}-\d{5,6}", "J440115-2016-012371"),
        # Dashes read as the character 一, a 0 as O: each repaired, being the only fit.
        ("J440115一2016一012371", r"[A-Z]{1,2}\d{6}-\d{4}-\d{5,6}", "J440115-2016-012371"),
        ("1O33532002001341", r"\d{16}", "1033532002001341"),
        # 22 characters fit only the newer S-number: its S was read as 5.
        ("5000044011494419229815", r"S\d{21}|\d{12,20}", "S000044011494419229815"),
        ("S0000440114944192298I5", r"S\d{21}|\d{12,20}", "S000044011494419229815"),
    ],
)
def test_certificate_numbers_conform_to_their_format(
    value: str, pattern: str, expected: str
) -> None:
    assert conform(value, pattern) == expected


def test_a_number_that_fits_no_format_is_refused() -> None:
    with pytest.raises(InvalidValue, match="format"):
        conform("103353200200134", r"\d{16}")  # a digit lost under the seal
    with pytest.raises(InvalidValue, match="format"):
        conform("1O3353200200I34X", r"\d{16}")  # three repairs away: too far to guess


def test_an_ambiguous_repair_is_not_guessed() -> None:
    def four_digits(value: str) -> bool:
        return sum(c.isdigit() for c in value) == 4

    # Either letter could be the one digit missing; neither is chosen.
    assert repair_lookalikes("12O4I", four_digits) is None
    assert repair_lookalikes("12O4I", str.isdigit) == "12041"
    assert repair_lookalikes("12045", str.isdigit) == "12045"
