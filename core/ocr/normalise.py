"""Turn text as read into the normalised values the application stores and compares.

One normaliser per field ``type`` (the names match the fixtures' README, plus a few
finer ones such as ``gender`` or ``area``). A normaliser either returns the value or
raises :class:`InvalidValue`: a value that fails its own checks (an identity number
whose check digit is wrong, the 30th of February) must not be offered to the user as
if it had been read correctly, so the extractor marks the field invalid instead.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric


class InvalidValue(ValueError):
    """The text was found but is not a valid value of its type; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Normaliser = Callable[[str], str]

_SPACES = re.compile(r"\s+")
# Full-width digits, Latin letters and the separators of numbers (．／－) that some
# recognisers return; certificates print them half-width.
_HALF_WIDTH = str.maketrans(
    {
        chr(code): chr(code - 0xFEE0)
        for code in (
            *range(0xFF10, 0xFF1A),
            *range(0xFF21, 0xFF3B),
            *range(0xFF41, 0xFF5B),
            0xFF0D,
            0xFF0E,
            0xFF0F,
        )
    }
)
# Punctuation a value never starts or ends with but OCR or layout leaves behind.
_EDGE_PUNCTUATION = " \t:：,，.。;；、|/"
_CJK = re.compile(r"[\u3400-\u9fff]")

# Digits as printed in Chinese dates. The zero of 二〇一八 is 〇; recognisers read
# it as 0, O, o, ○ or 零, so all of them count as zero.
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "◯": 0,
    "零": 0,
    "O": 0,
    "o": 0,
    "0": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    # Arabic digits too: a year read as 2O19 mixes both.
    **{str(digit): digit for digit in range(10)},
}
_NUMERAL = "0-9〇○◯零Oo一二两三四五六七八九十"
_DATE_DIGITS = str.maketrans({"o": "0", "O": "0", "l": "1", "I": "1", "|": "1", "i": "1"})
_DATE_YMD = re.compile(
    rf"(?P<y>[{_NUMERAL}]{{4}})[年.\-/](?P<m>[{_NUMERAL}]{{1,3}})[月.\-/](?P<d>[{_NUMERAL}]{{1,3}})日?"
)
_DATE_YM = re.compile(rf"(?P<y>[{_NUMERAL}]{{4}})[年.\-/](?P<m>[{_NUMERAL}]{{1,3}})月?")

# The 56 officially recognised ethnic groups (民族), as printed without 族.
ETHNIC_GROUPS = frozenset(
    (
        *("汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗"),
        *("瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜"),
        *("水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉"),
        *("毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克"),
        *("德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"),
    )
)

# Vocational skill grades (职业技能等级): level number and name are printed together
# (``二级/技师``, ``技师（国家职业资格二级）``); the name is the value.
_SKILL_GRADES = {
    "一级": "高级技师",
    "二级": "技师",
    "三级": "高级工",
    "四级": "中级工",
    "五级": "初级工",
}
_SKILL_GRADE_NAMES = ("高级技师", "技师", "高级工", "中级工", "初级工")


def compact(text: str) -> str:
    """Drop all whitespace (Chinese never needs it and OCR inserts it between glyphs)
    and make full-width digits and Latin letters half-width."""
    return _SPACES.sub("", text).translate(_HALF_WIDTH)


# Latin letters recognisers return for digits: O for 0, l/I/| for 1. Inside a run of
# digits (13l.44, 15O7房, 2O19) they can only be digits; beside other Latin letters
# (IT, TCL, 3A) they are left alone.
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"}
_OTHER_LETTER = "A-HJ-NP-Za-km-np-z"
_LETTER_IN_DIGITS = re.compile(
    rf"(?<=\d)[OolI|](?![{_OTHER_LETTER}])|(?<![{_OTHER_LETTER}])[OolI|](?=\d)"
)


def digits_in_context(text: str) -> str:
    """Read O, o, l, I and | as the digits they stand for where digits surround them."""
    previous = None
    while previous != text:
        previous = text
        text = _LETTER_IN_DIGITS.sub(lambda m: _DIGIT_LOOKALIKES[m.group()], text)
    return text


def clean_text(text: str) -> str:
    """Whitespace gone, stray edge punctuation gone, brackets made full-width.

    Chinese documents print full-width brackets; recognisers return either width.
    """
    value = compact(text).strip(_EDGE_PUNCTUATION)
    if _CJK.search(value):
        value = value.replace("(", "（").replace(")", "）")
    return value


def _number(text: str) -> int:
    """0-99 written in Arabic digits, digit by digit (一九), or with 十 (二十九)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens_part, _, ones_part = text.partition("十")
        tens = _CN_DIGITS[tens_part] if tens_part else 1
        ones = _CN_DIGITS[ones_part] if ones_part else 0
        if len(tens_part) > 1 or len(ones_part) > 1:
            raise InvalidValue("unreadable number")
        return tens * 10 + ones
    value = 0
    for char in text:
        if char not in _CN_DIGITS:
            raise InvalidValue("unreadable number")
        value = value * 10 + _CN_DIGITS[char]
    return value


def _year(text: str) -> int:
    year = _number(text)
    if not 1900 <= year <= 2100:
        raise InvalidValue("implausible year")
    return year


def normalise_date(text: str) -> str:
    """``一九九五年三月十二日``, ``1999年3月17日``, ``2001.10.03`` to ``1995-03-12``.

    A date printed without a day (``二〇一八年六月``) becomes ISO 8601's reduced
    precision ``2018-06`` rather than an invented first of the month.
    """
    # A date holds no Latin letter: every look-alike one stands for a digit.
    value = compact(text).translate(_DATE_DIGITS)
    full = _DATE_YMD.search(value)
    if full:
        year, number, day_number = _year(full["y"]), _number(full["m"]), _number(full["d"])
        try:
            day = date(year, number, day_number)
        except ValueError as exc:
            raise InvalidValue("impossible date") from exc
        return day.isoformat()
    month = _DATE_YM.search(value)
    if month and "日" in value[month.end() :]:
        # A day was printed but cannot be read: not a month-precision date.
        raise InvalidValue("unreadable day")
    if month:
        year, number = _year(month["y"]), _number(month["m"])
        if not 1 <= number <= 12:
            raise InvalidValue("impossible date")
        return f"{year:04d}-{number:02d}"
    raise InvalidValue("not a date")


# Characters recognisers confuse with each other in numbers and codes (a seal's red
# ink or glare over a 0 reads as O or D). Only tried where a value does not fit its
# format, and only kept when exactly one repair makes it fit (see repair_lookalikes).
LOOKALIKES: dict[str, str] = {
    **dict.fromkeys("OoDQ", "0"),
    **dict.fromkeys("IlLi|!", "1"),
    **dict.fromkeys("Zz", "2"),
    **dict.fromkeys("Ss", "5"),
    "G": "6",
    "B": "8",
    **dict.fromkeys("一—–－~_", "-"),
    "0": "O",
    "1": "I",
    "2": "Z",
    "5": "S",
    "6": "G",
    "8": "B",
}
_MAX_REPAIRS = 2


def repair_lookalikes(value: str, fits: Callable[[str], bool]) -> str | None:
    """The value with the fewest look-alike substitutions (at most two) that ``fits``.

    Returns ``value`` itself when it already fits, and ``None`` when nothing fits or
    two different repairs of the same size would: guessing between them would offer
    a wrong value as if it had been read.
    """
    if fits(value):
        return value
    spots = [i for i, char in enumerate(value) if char in LOOKALIKES]
    for changes in range(1, _MAX_REPAIRS + 1):
        found: set[str] = set()
        for chosen in itertools.combinations(spots, changes):
            chars = list(value)
            for i in chosen:
                chars[i] = LOOKALIKES[chars[i]]
            candidate = "".join(chars)
            if fits(candidate):
                found.add(candidate)
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def _valid_id_number(value: str) -> bool:
    return bool(re.fullmatch(r"\d{17}[\dX]", value)) and ric.calc_check_digit(value) == value[-1]


def normalise_id_number(text: str) -> str:
    """An 18-character resident identity number, upper-case, check digit verified.

    Only the check digit and the embedded birth date are checked, not the birthplace
    code: district codes are renumbered (440117 从化区 dates from 2014) while people
    keep their numbers, and stdnum rejects such older-born holders as unknown places.
    A letter read for a look-alike digit (O for 0) is repaired only when the check
    digit then confirms the whole number.
    """
    value = compact(text).upper().replace("×", "X").strip(_EDGE_PUNCTUATION)
    if len(value) != 18:
        raise InvalidValue("not an 18-character identity number")
    repaired = repair_lookalikes(value, _valid_id_number)
    if repaired is None:
        if re.fullmatch(r"\d{17}[\dX]", value):
            raise InvalidValue("identity number check digit does not match")
        raise InvalidValue("not an 18-character identity number")
    value = repaired
    try:
        ric.get_birth_date(value)
    except stdnum_exceptions.ValidationError as exc:
        raise InvalidValue("identity number holds an impossible birth date") from exc
    return value


def normalise_cert_number(text: str) -> str:
    """Certificate numbers: no spaces, Latin letters upper-case, Chinese brackets full-width."""
    value = digits_in_context(clean_text(text))
    if not value:
        raise InvalidValue("empty")
    return "".join(c.upper() if c.isascii() else c for c in value)


def conform(value: str, pattern: str) -> str:
    """``value`` if it matches ``pattern`` whole, else its one look-alike repair that does.

    Certificate numbers have published shapes (a degree certificate's 16 digits, a
    marriage certificate's ``J440115-2016-012371``); a read that fits none is not
    offered.
    """
    compiled = re.compile(pattern)
    repaired = repair_lookalikes(value, lambda candidate: compiled.fullmatch(candidate) is not None)
    if repaired is None:
        raise InvalidValue("does not match the certificate number format")
    return repaired


def normalise_unit_number(text: str) -> str:
    """Real-estate unit number (不动产单元号): 28 characters, printed in 6/6/7/9 groups.

    Layout per GB/T 37346: 12 digits of zone codes, a 7-character parcel code (two
    letters and five digits) and a 9-character fixture code (a letter and eight digits).
    """
    value = compact(text).upper().strip(_EDGE_PUNCTUATION)
    repaired = repair_lookalikes(
        value, lambda candidate: bool(re.fullmatch(r"\d{12}[A-Z]{2}\d{5}[A-Z]\d{8}", candidate))
    )
    if repaired is None:
        raise InvalidValue("not a 28-character unit number")
    return repaired


def normalise_gender(text: str) -> str:
    value = compact(text)
    found = set(value) & {"男", "女"}
    if len(found) != 1:
        raise InvalidValue("not a gender")
    return found.pop()


def normalise_ethnicity(text: str) -> str:
    """``汉族`` to ``汉``; anything outside the 56 recognised groups is refused."""
    value = clean_text(text)
    value = value.removesuffix("族")
    if value not in ETHNIC_GROUPS:
        raise InvalidValue("not a recognised ethnic group")
    return value


def normalise_person_name(text: str) -> str:
    """Chinese names, several joint holders separated by 、 (``吴慧诗、梁帆健``)."""
    value = clean_text(text).replace(",", "、").replace("，", "、")
    names = value.split("、")
    if not all(re.fullmatch(r"[\u3400-\u9fff·]{2,12}", name) for name in names):
        raise InvalidValue("not a name")
    return value


def normalise_area(text: str) -> str:
    """Floor area in square metres without the unit, digits as printed (``64.30``)."""
    found = re.search(r"\d+(?:\.\d+)?", digits_in_context(compact(text)))
    if not found:
        raise InvalidValue("not an area")
    return found.group()


def normalise_years(text: str) -> str:
    """Length of study: ``四年``, ``4年``, ``四年制``, ``2.5年`` to ``4`` / ``2.5``."""
    value = compact(text)
    found = re.search(r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,2})年", value) or re.search(
        r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,2})", value
    )
    if not found:
        raise InvalidValue("not a number of years")
    number = found.group(1)
    years = number if number[0].isdigit() else str(_number(number))
    if not 0 < float(years) <= 10:
        raise InvalidValue("implausible length of study")
    return years


def normalise_skill_grade(text: str) -> str:
    """``二级/技师`` and ``技师（国家职业资格二级）`` to ``技师``."""
    value = compact(text)
    for name in _SKILL_GRADE_NAMES:
        if name in value:
            return name
    for level, name in _SKILL_GRADES.items():
        if level in value:
            return name
    raise InvalidValue("not a skill grade")


def normalise_number(text: str) -> str:
    found = re.search(r"\d+(?:\.\d+)?", digits_in_context(compact(text)))
    if not found:
        raise InvalidValue("not a number")
    return found.group()


def normalise_address(text: str) -> str:
    """Addresses keep their house and room numbers: ``15O7房`` is room 1507."""
    value = digits_in_context(clean_text(text))
    if not value:
        raise InvalidValue("empty")
    return value


def normalise_text(text: str) -> str:
    value = clean_text(text)
    if not value:
        raise InvalidValue("empty")
    return value


NORMALISERS: dict[str, Normaliser] = {
    "date": normalise_date,
    "id_number": normalise_id_number,
    "cert_number": normalise_cert_number,
    "unit_number": normalise_unit_number,
    "gender": normalise_gender,
    "ethnicity": normalise_ethnicity,
    "person_name": normalise_person_name,
    "area": normalise_area,
    "years": normalise_years,
    "skill_grade": normalise_skill_grade,
    "number": normalise_number,
    "text": normalise_text,
    "enum": normalise_text,
    "address": normalise_address,
    "organization": normalise_text,
    "place": normalise_text,
}


def normalise(field_type: str, text: str) -> str:
    """Normalise ``text`` as ``field_type``; raises :class:`InvalidValue`."""
    try:
        normaliser = NORMALISERS[field_type]
    except KeyError:
        raise ValueError(f"unknown field type {field_type!r}") from None
    return normaliser(text)
