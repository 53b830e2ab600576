"""Scores and levels (DOMAIN.md §4.2–4.3): the default LEC bands at and around each boundary (closed
lower bounds), the discrete factor values, the risk matrix on 1–5 with both band variants, and a table
changed in the database (default or per sector) changing the outcome without code."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeloop.core.errors import FieldErrors
from safeloop.risks import config, scoring
from safeloop.risks.choices import level_rank
from safeloop.risks.models import RiskBandTable, RiskMethodSetting

pytestmark = pytest.mark.django_db

LEC_VALUES = {
    "l": ("0.1", "0.2", "0.5", "1", "3", "6", "10"),
    "e": ("0.5", "1", "2", "3", "6", "10"),
    "c": ("1", "3", "7", "15", "40", "100"),
}
ALLOWED_TEXT = {
    "l": "0.1、0.2、0.5、1、3、6、10",
    "e": "0.5、1、2、3、6、10",
    "c": "1、3、7、15、40、100",
}


def lec(l, e, c, sector=""):  # noqa: E741
    return scoring.evaluate(method="lec", sector=sector, data={"l": l, "e": e, "c": c})


def ls(l, s, sector=""):  # noqa: E741
    return scoring.evaluate(method="ls", sector=sector, data={"l": l, "s": s})


def refused(method, data):
    with pytest.raises(FieldErrors) as caught:
        scoring.evaluate(method=method, data=data)
    return {error["field"]: error["message"] for error in caught.value.errors}


# ---- the default LEC table --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("69.99", "low"),
        ("70", "general"),
        ("70.01", "general"),
        ("159.99", "general"),
        ("160", "significant"),
        ("160.01", "significant"),
        ("319.99", "significant"),
        ("320", "major"),
        ("320.01", "major"),
        ("0.05", "low"),
        ("10000", "major"),
    ],
)
def test_default_lec_table_has_closed_lower_bounds(score, level):
    table = RiskBandTable.objects.get(code="lec-default")
    assert table.level_for(Decimal(score)) == level


@pytest.mark.parametrize(
    ("l", "e", "c", "score", "level"),
    [
        (1, 10, 7, Decimal(70), "general"),
        (3, 3, 7, Decimal(63), "low"),
        (3, 6, 7, Decimal(126), "general"),
        (10, 6, 3, Decimal(180), "significant"),
        (3, 1, 100, Decimal(300), "significant"),
        (3, 3, 40, Decimal(360), "major"),
        (10, 10, 100, Decimal(10000), "major"),
        ("0.1", "0.5", "1", Decimal("0.05"), "low"),
    ],
)
def test_lec_products_get_the_expected_level(l, e, c, score, level):  # noqa: E741
    result = lec(l, e, c)
    assert (result.score, result.level, result.method, result.table.code) == (score, level, "lec", "lec-default")


def test_numeric_strings_and_floats_are_accepted():
    assert lec("3", " 6 ", 7.0).score == Decimal(126)
    assert lec(0.5, "1", "15").factors == {"l": "0.5", "e": "1", "c": "15"}


@pytest.mark.parametrize(
    ("factor", "value"),
    [
        ("l", 2),
        ("l", 4),
        ("l", 0),
        ("l", -1),
        ("l", "0.3"),
        ("l", 100),
        ("e", 4),
        ("e", 5),
        ("e", 0.1),
        ("c", 2),
        ("c", 10),
        ("c", 50),
        ("c", 0),
    ],
)
def test_a_disallowed_lec_value_is_refused_naming_the_factor_and_the_allowed_values(factor, value):
    data = {"l": 3, "e": 6, "c": 7, factor: value}
    messages = refused("lec", data)
    assert list(messages) == [factor]
    assert ALLOWED_TEXT[factor] in messages[factor]
    assert factor.upper() in messages[factor]


@pytest.mark.parametrize("value", ["x", "", "  ", None, True, [], "nan"])
def test_a_missing_or_non_numeric_factor_is_refused_naming_it(value):
    messages = refused("lec", {"l": value, "e": 6, "c": 7})
    assert list(messages) == ["l"]
    assert messages["l"]


def test_every_bad_factor_is_named_at_once():
    assert set(refused("lec", {"l": 2, "e": 4, "c": 50})) == {"l", "e", "c"}
    assert set(refused("lec", {})) == {"l", "e", "c"}


def test_an_unknown_method_is_refused_on_the_method():
    assert list(refused("abc", {"l": 3, "e": 6, "c": 7})) == ["method"]
    assert list(refused("", {"l": 3, "s": 3})) == ["method"]


def test_the_allowed_values_come_from_configuration():
    for factor, values in LEC_VALUES.items():
        assert config.lec_values(factor) == frozenset(Decimal(v) for v in values)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.tuples(*(st.sampled_from(LEC_VALUES[f]) for f in "lec")),
    second=st.tuples(*(st.sampled_from(LEC_VALUES[f]) for f in "lec")),
)
def test_the_lec_level_is_monotone_in_the_score(first, second):
    a, b = lec(*first), lec(*second)
    if a.score <= b.score:
        assert level_rank(a.level) >= level_rank(b.level)  # rank 0 is major: a higher score never ranks lower
    if a.score == b.score:
        assert a.level == b.level


def test_every_allowed_lec_combination_has_a_level_matching_its_band():
    table = RiskBandTable.objects.get(code="lec-default")
    for l, e, c in itertools.product(*LEC_VALUES.values()):  # noqa: E741
        result = lec(l, e, c)
        assert result.score == Decimal(l) * Decimal(e) * Decimal(c)
        assert result.level == table.level_for(result.score)


# ---- the risk matrix --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("l", "s", "level"),
    [
        (2, 2, "general"),
        (1, 3, "low"),
        (3, 3, "significant"),
        (4, 4, "significant"),
        (4, 5, "major"),
        (1, 1, "low"),
        (2, 4, "general"),
        (5, 5, "major"),
    ],
)
def test_ls_uses_variant_b_by_default(l, s, level):  # noqa: E741
    result = ls(l, s)
    assert result.score == l * s and result.level == level and result.table.code == "ls-b"


@pytest.mark.parametrize("value", [0, 6, 2.5, "2.5", -1, "x", None])
def test_ls_takes_whole_numbers_from_1_to_5_only(value):
    messages = refused("ls", {"l": value, "s": 3})
    assert list(messages) == ["l"]
    messages = refused("ls", {"l": 3, "s": value})
    assert list(messages) == ["s"]


def test_ls_range_message_names_the_range():
    message = refused("ls", {"l": 6, "s": 3})["l"]
    assert "1" in message and "5" in message and "L" in message


def test_ls_accepts_whole_numbers_written_as_decimals():
    assert ls("3.0", 3).score == Decimal(9)


def test_pointing_the_ls_default_to_variant_a_changes_the_outcome_without_code():
    assert (ls(3, 3).level, ls(2, 4).level, ls(3, 5).level) == ("significant", "general", "significant")
    RiskMethodSetting.objects.filter(method="ls", sector__isnull=True).update(
        table=RiskBandTable.objects.get(code="ls-a")
    )
    assert ls(3, 3).level == "general"  # R = 9
    assert ls(2, 4).level == "low"  # R = 8
    assert ls(3, 5).level == "significant"  # R = 15
    assert ls(3, 3).table.code == "ls-a"


def test_a_sector_setting_overrides_the_default_for_that_sector_only():
    RiskMethodSetting.objects.create(method="ls", sector_id="gas", table=RiskBandTable.objects.get(code="ls-a"))
    assert (ls(3, 3, sector="gas").level, ls(3, 3, sector="gas").table.code) == ("general", "ls-a")
    assert (ls(3, 3, sector="fire").level, ls(3, 3, sector="fire").table.code) == ("significant", "ls-b")
    assert ls(3, 3).level == "significant"


def test_an_edited_band_table_changes_the_lec_outcome():
    RiskBandTable.objects.filter(code="lec-default").update(general_from=Decimal(60))
    assert lec(3, 3, 7).level == "general"  # 63 ≥ 60 now
