"""The shipped 判定标准 catalogue and deadline defaults (hazards/data/*.csv) are consistent, match the
models' limits and DOMAIN.md §5, and are our own wording. Checked without the database except the last
test, which runs the loader the data migration uses."""

import csv
import difflib
import os
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps

from safeloop.hazards import criteria
from safeloop.hazards.choices import CriteriaStatus, HazardLevel, JudgementType
from safeloop.orgs.choices import Confidence

SECTORS_CSV = Path(criteria.__file__).resolve().parents[1] / "orgs" / "data" / "sectors.csv"
DOMAIN_MD = Path(os.environ.get("SAFELOOP_DOMAIN_MD", "/work/shared/DOMAIN.md"))
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CJK = re.compile(r"[\u4e00-\u9fff]")

documents = criteria.read_rows(criteria.DOCUMENTS)
items = criteria.read_rows(criteria.ITEMS)
deadlines = criteria.read_rows(criteria.DEADLINES)
documents_by_code = {row["code"]: row for row in documents}


def sector_codes() -> set[str]:
    with SECTORS_CSV.open(encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh)}


def test_headers_are_the_documented_ones():
    def header(name: str) -> list[str]:
        with (criteria.DATA / name).open(encoding="utf-8") as fh:
            return next(csv.reader(fh))

    assert header(criteria.DOCUMENTS) == [
        "code",
        "sector",
        "title",
        "number",
        "issuer",
        "effective_on",
        "status",
        "confidence",
        "source",
    ]
    assert header(criteria.ITEMS) == ["code", "document", "article", "judgement", "text_zh", "text_en", "confidence"]
    assert header(criteria.DEADLINES) == ["level", "sector", "days", "basis", "confidence"]


@pytest.mark.parametrize("rows", [documents, items], ids=["documents", "items"])
def test_codes_are_unique_slugs(rows):
    codes = [row["code"] for row in rows]
    assert [code for code, n in Counter(codes).items() if n > 1] == []
    assert [code for code in codes if not SLUG.match(code)] == []


def test_documents_are_valid():
    valid_sectors = sector_codes()
    for row in documents:
        assert row["sector"] in valid_sectors, row["code"]
        assert row["status"] in CriteriaStatus.values, row["code"]
        assert row["confidence"] in Confidence.values, row["code"]
        assert row["title"] and row["issuer"] and row["source"], row["code"]
        assert row["code"].startswith(row["sector"] + "-"), row["code"]
        if row["effective_on"]:
            date.fromisoformat(row["effective_on"])


def test_the_sectors_of_domain_md_5_1_are_covered():
    sectors = {row["sector"] for row in documents}
    assert {"fireworks", "gas", "industry", "fire", "road", "campus", "construction", "hazchem", "mining"} <= sectors
    # GB 35181-2025 replaced the 2017 edition (DOMAIN.md §5.5): exactly one fire standard in force.
    fire = {row["code"]: row["status"] for row in documents if row["sector"] == "fire"}
    assert fire == {"fire-gb35181-2025": "in_force", "fire-gb35181-2017": "superseded"}


def test_items_are_valid():
    for row in items:
        assert row["document"] in documents_by_code, row["code"]
        assert row["code"].startswith(row["document"] + "-"), row["code"]
        assert row["judgement"] in JudgementType.values, row["code"]
        assert row["confidence"] in Confidence.values, row["code"]
        assert row["article"].strip(), row["code"]
        assert row["text_zh"].strip() and row["text_en"].strip(), row["code"]
        assert CJK.search(row["text_zh"]), row["code"]
        assert not CJK.search(row["text_en"]), row["code"]


def test_items_match_the_lists_of_domain_md():
    per_group = Counter(row["code"].rsplit("-", 1)[0] for row in items)
    assert per_group["fireworks-2017"] == 13
    assert per_group["gas-2023-4"] == 5
    assert per_group["gas-2023-5"] == 2
    assert per_group["industry-2023-3"] == 3
    assert per_group["road-2023-3"] == 4
    assert per_group["road-2023-4"] == 1
    assert per_group["campus-2024-3"] == 4
    assert per_group["fire-gb35181-2017"] >= 1
    assert len(items) >= 50


def test_recalled_items_stay_unverified():
    """DOMAIN.md §5.2 and §5.5: fireworks items and fire examples were recalled, not retrieved."""
    for row in items:
        if row["document"] in {"fireworks-2017", "fire-gb35181-2017"}:
            assert row["confidence"] == Confidence.UNVERIFIED, row["code"]


def test_values_fit_the_model_fields():
    for model_name, rows in (("CriteriaDocument", documents), ("CriteriaItem", items), ("DeadlinePolicy", deadlines)):
        model = apps.get_model("hazards", model_name)
        for field in model._meta.get_fields():
            max_length = getattr(field, "max_length", None)
            if not max_length or field.name not in rows[0]:
                continue
            too_long = [row[field.name] for row in rows if len(row[field.name]) > max_length]
            assert too_long == [], f"{model_name}.{field.name} > {max_length}"


def test_deadline_defaults_are_valid():
    valid_sectors = sector_codes()
    keys = [(row["level"], row["sector"]) for row in deadlines]
    assert len(keys) == len(set(keys))
    assert {("general", ""), ("major", "")} <= set(keys)
    for row in deadlines:
        assert row["level"] in HazardLevel.values
        assert row["sector"] == "" or row["sector"] in valid_sectors
        assert int(row["days"]) > 0
        assert row["confidence"] in Confidence.values
        assert row["basis"].strip()
        if row["confidence"] == Confidence.UNVERIFIED:
            assert "configurable" in row["basis"]


# --- our own wording ------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Drop list markers ("1.", "（一）", "- ", "> ", table bars) and all punctuation and spaces."""
    text = re.sub(r"^\s*(?:[-*>|]\s*)*(?:\d+[.、)]|[（(][一二三四五六七八九十]+[)）])?\s*", "", text)
    return re.sub(r"[\W_]+", "", text)


def _domain_sentences() -> list[str]:
    if not DOMAIN_MD.exists():
        pytest.skip(f"{DOMAIN_MD} not available (set SAFELOOP_DOMAIN_MD)")
    sentences = []
    for line in DOMAIN_MD.read_text(encoding="utf-8").splitlines():
        for part in [line, *re.split(r"[|;；:：]", line)]:
            normalised = _normalise(part)
            if len(CJK.findall(normalised)) >= 12:
                sentences.append(normalised)
    return sentences


def test_item_texts_are_not_copied_from_domain_md():
    sentences = _domain_sentences()
    whole = set(sentences)
    for row in items:
        text = _normalise(row["text_zh"])
        assert text not in whole, row["code"]
        for sentence in sentences:
            matcher = difflib.SequenceMatcher(None, text, sentence, autojunk=False)
            assert matcher.ratio() < 0.8, (row["code"], sentence)
            # a shared run this long is a copied clause, not a shared technical term
            assert matcher.find_longest_match(0, len(text), 0, len(sentence)).size < 18, (row["code"], sentence)


# --- the loader -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_criteria_creates_and_then_updates_by_code():
    Document = apps.get_model("hazards", "CriteriaDocument")
    Item = apps.get_model("hazards", "CriteriaItem")
    Policy = apps.get_model("hazards", "DeadlinePolicy")

    criteria.load_criteria(apps.get_model)
    Item.objects.filter(code="gas-2023-4-1").update(text_en="edited")
    criteria.load_criteria(apps.get_model)  # idempotent, and the CSV wins

    assert Document.objects.count() == len(documents)
    assert Item.objects.count() == len(items)
    assert Policy.objects.count() == len(deadlines)
    gas = Item.objects.select_related("document").get(code="gas-2023-4-1")
    assert gas.document.sector_id == "gas"
    assert gas.text_en != "edited"
    assert Document.objects.get(code="industry-2023").effective_on == date(2023, 5, 15)
    assert Document.objects.get(code="fireworks-2017").effective_on is None
    assert Policy.objects.get(level="major", sector=None).days == 90
