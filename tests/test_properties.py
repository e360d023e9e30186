"""Property-based tests (hypothesis) of the rules people's input and the lifecycle obey.

The check digits are recomputed here from the standards (GB 11643 for identity numbers,
GB 32100 for unified social credit codes, GB 11714 for organisation codes), independently
of python-stdnum and of ``core/credit_codes.py``, so a generated "valid" value does not
rely on the code under test. The lifecycle properties drive ``core.lifecycle_rules``'s
table through ``available()`` and ``core.lifecycle.parties()`` (who an actor is for an
application), the two pure functions the service decides with; no database, no HTTP.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.actors import Actor, Grant
from core.credit_codes import validate_credit_code, validate_organisation_code
from core.errors import DomainError, ErrorCode
from core.lifecycle import parties
from core.lifecycle_rules import BY_ACTION, TRANSITIONS, Action, Party, available
from core.models import Application, Role
from core.states import State
from core.validation import normalise_id_number

# Modest example counts: the suite runs twice (SQLite, PostgreSQL) on two shared cores.
FAST = settings(
    max_examples=150,
    database=None,  # no .hypothesis/ directory in the working tree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Administrative division codes (行政区划代码) of Guangzhou's districts and a few others,
# each in use for the whole birth-year range generated below (python-stdnum checks that
# the code existed in the birth year: 天河区 440106 dates from 1985).
REGIONS = ["440100", "440103", "440104", "440105", "440106", "440111", "110101", "310101"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHARS = "0123456789X"


def id_check_digit(body: str) -> str:
    """GB 11643-1999: the 18th character for a 17-digit body."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    birth = draw(st.dates(min_value=date(1985, 1, 1), max_value=date(2008, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_digit(body)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_BODY = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def org_check_digit(body: str) -> str:
    check = 11 - sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


@st.composite
def organisation_codes(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet=ORG_BODY, min_size=8, max_size=8))
    return body + org_check_digit(body)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    # Registration department and organisation type (digits, as issued), the region,
    # then an embedded organisation code from the credit-code alphabet.
    head = draw(st.sampled_from(["91", "92", "11", "12", "51", "52", "93"]))
    region = draw(st.sampled_from(REGIONS))
    org = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    body = head + region + org
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_ALPHABET[(31 - total) % 31]


def substitute(value: str, data: st.DataObject, alphabet: str) -> tuple[int, str]:
    """``value`` with one character replaced by a different one from ``alphabet``."""
    position = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != value[position]]))
    return position, value[:position] + replacement + value[position + 1 :]


def refused(check: object, value: str, code: ErrorCode) -> bool:
    try:
        check(value)  # type: ignore[operator]
    except DomainError as error:
        assert error.code == code
        return True
    return False


# Identity numbers (居民身份证号码) -------------------------------------------------------


@FAST
@given(id_numbers())
def test_identity_numbers_with_a_correct_check_digit_are_accepted(number: str) -> None:
    assert normalise_id_number(number) == number
    # As people type them: a lower-case x, spaces between the groups.
    typed = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    assert normalise_id_number(typed) == number


@FAST
@given(id_numbers(), st.data())
def test_any_single_character_change_of_an_identity_number_is_refused(
    number: str, data: st.DataObject
) -> None:
    _, changed = substitute(number, data, ID_CHARS)
    assert refused(normalise_id_number, changed, ErrorCode.INVALID_ID_NUMBER)


@FAST
@given(id_numbers(), st.integers(min_value=1, max_value=17))
def test_an_identity_number_of_another_length_is_refused(number: str, cut: int) -> None:
    assert refused(normalise_id_number, number[:-cut], ErrorCode.INVALID_ID_NUMBER)
    assert refused(normalise_id_number, number + number[:cut], ErrorCode.INVALID_ID_NUMBER)


# Employer codes (统一社会信用代码, 组织机构代码) --------------------------------------------


@FAST
@given(credit_codes())
def test_credit_codes_with_a_correct_check_character_are_accepted(code: str) -> None:
    assert validate_credit_code(code) == code
    assert validate_credit_code(f"{code[:8]}-{code[8:]}".lower()) == code


@FAST
@given(credit_codes(), st.data())
def test_any_single_character_change_of_a_credit_code_is_refused(
    code: str, data: st.DataObject
) -> None:
    _, changed = substitute(code, data, ORG_BODY)
    assert refused(validate_credit_code, changed, ErrorCode.INVALID_CREDIT_CODE)


@FAST
@given(organisation_codes())
def test_organisation_codes_with_a_correct_check_character_are_accepted(code: str) -> None:
    assert validate_organisation_code(code) == code
    assert validate_organisation_code(f"{code[:8]}-{code[8]}".lower()) == code


@FAST
@given(organisation_codes(), st.data())
def test_a_single_character_change_of_an_organisation_code_is_refused_unless_mod_11_blind(
    code: str, data: st.DataObject
) -> None:
    """GB 11714 weighs base-36 values modulo 11, so a body letter whose value differs by a
    multiple of 11 (``0`` and ``B``, ``1`` and ``C``) keeps the sum: the standard cannot see
    that change. Every other change, and every change of a digit for a digit, is refused."""
    alphabet = ORG_BODY if data.draw(st.booleans()) else "0123456789X"
    position, changed = substitute(code, data, alphabet)
    difference = int(changed[position], 36) - int(code[position], 36)
    blind = position < 8 and difference % 11 == 0
    assert refused(validate_organisation_code, changed, ErrorCode.INVALID_CREDIT_CODE) is not blind
    if position < 8 and code[position].isdigit() and changed[position].isdigit():
        assert not blind


# The lifecycle (审核流程) -------------------------------------------------------------

APPLICANT_ID, OTHER_ID, EMPLOYER_ID = 1, 2, 7
ACTORS: dict[str, Actor | None] = {
    "owner": Actor(APPLICANT_ID, "owner", (Grant(Role.APPLICANT),)),
    "other_applicant": Actor(OTHER_ID, "other", (Grant(Role.APPLICANT),)),
    "employer_admin": Actor(3, "hr", (Grant(Role.EMPLOYER_ADMIN, employer_id=EMPLOYER_ID),)),
    "other_employer_admin": Actor(4, "hr2", (Grant(Role.EMPLOYER_ADMIN, employer_id=99),)),
    "reviewer": Actor(5, "tianhe", (Grant(Role.REVIEWER, district="天河区"),)),
    "other_reviewer": Actor(6, "yuexiu", (Grant(Role.REVIEWER, district="越秀区"),)),
    "admin": Actor(8, "admin", (Grant(Role.ADMIN),)),
    "system": None,
}
STRANGERS = {"other_applicant", "other_employer_admin", "other_reviewer", "admin"}
# Every (from, action, to) the table allows; submit's target is decided by the dossier.
EDGES = {(source, t.action, t.target) for t in TRANSITIONS for source in t.sources if t.target}
SUBMIT_TARGETS = {State.EMPLOYER_REVIEW, State.AWAITING_ACCEPTANCE, State.APPROVED}


def application(state: State, *, with_employer: bool) -> Application:
    row = Application(
        id=1,
        state=state.value,
        district="天河区",
        employer_id=EMPLOYER_ID if with_employer else None,
        version=0,
    )
    row.applicant_id = APPLICANT_ID  # type: ignore[attr-defined]
    return row


def step(
    state: State, action: Action, who: frozenset[Party], *, with_employer: bool
) -> tuple[bool, State]:
    """One request against the table: whether it is taken, and the state after it."""
    transition = BY_ACTION[action]
    if transition.internal:
        # Taken by the dossier (submit) or a timer, never through a person's request.
        allowed = bool(transition.parties & who) and state in transition.sources
    else:
        allowed = transition in available(state, who)
    if not allowed:
        return False, state
    if transition.target is None:
        return True, State.EMPLOYER_REVIEW if with_employer else State.AWAITING_ACCEPTANCE
    return True, transition.target


moves = st.lists(
    st.tuples(st.sampled_from(list(ACTORS)), st.sampled_from(list(Action))),
    min_size=1,
    max_size=40,
)


@FAST
@given(moves, st.booleans(), st.sampled_from(list(State)))
def test_random_actions_by_random_roles_follow_only_the_table(
    sequence: list[tuple[str, Action]], with_employer: bool, start: State
) -> None:
    state = start
    for name, action in sequence:
        who = parties(ACTORS[name], application(state, with_employer=with_employer))
        taken, after = step(state, action, who, with_employer=with_employer)
        assert after in State  # always one of the states
        if not taken:
            assert after == state  # a refused action changes nothing
            continue
        if action == Action.SUBMIT:
            assert state == State.DRAFT and after in SUBMIT_TARGETS
        else:
            assert (state, action, after) in EDGES
        # Nobody acts on another person's application, another employer's or district's.
        assert name not in STRANGERS
        state = after


@FAST
@given(st.sampled_from(list(State)), st.sampled_from(list(ACTORS)), st.booleans())
def test_who_may_act_on_an_application(state: State, name: str, with_employer: bool) -> None:
    who = parties(ACTORS[name], application(state, with_employer=with_employer))
    steps = available(state, who)
    for transition in steps:
        assert state in transition.sources and not transition.internal
        assert transition.parties & who
    if name in STRANGERS:
        assert who == frozenset() and steps == []
    if name == "reviewer" and state in {State.DRAFT, State.EMPLOYER_REVIEW}:
        assert steps == []  # the district sees a case only once it reaches it
    if name == "employer_admin" and not with_employer:
        assert steps == []
    # The applicant never decides their own case.
    if name == "owner":
        assert {t.action for t in steps} <= {
            Action.WITHDRAW,
            Action.GENERATE_CARD,
            Action.REAPPLY,
        }
    if state == State.SETTLED:
        assert steps == []  # 落户办结 is final


@pytest.mark.parametrize("state", list(State))
def test_every_state_is_reachable_from_a_draft(state: State) -> None:
    reached = {State.DRAFT, *SUBMIT_TARGETS}
    frontier = list(reached)
    while frontier:
        source = frontier.pop()
        for _, _, target in (e for e in EDGES if e[0] == source):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert state in reached
