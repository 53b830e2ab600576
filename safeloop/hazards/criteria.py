"""The 重大事故隐患判定标准 catalogue and the default rectification deadlines that ship with SafeLoop
(DOMAIN.md §5, §3.3), kept as CSV in `hazards/data/`:

- `criteria_documents.csv`: one row per sector standard (§5.1), with status and confidence.
- `criteria_items.csv`: the listed situations (§5.2–§5.7), paraphrased in our own words in Chinese and
  English; items DOMAIN.md marks as recalled carry confidence `U` and must be checked before go-live.
- `deadline_defaults.csv`: default deadline per hazard level, optionally per sector.

`load_criteria(apps.get_model)` is idempotent (rows are matched by code, deadlines by level+sector) so a
data migration can call it now and again after an upgrade; rows no longer in the CSV are left alone,
since hazards may reference them."""

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
DOCUMENTS = "criteria_documents.csv"
ITEMS = "criteria_items.csv"
DEADLINES = "deadline_defaults.csv"


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_criteria(get_model: Callable[[str, str], Any]) -> None:
    Document = get_model("hazards", "CriteriaDocument")
    Item = get_model("hazards", "CriteriaItem")
    Policy = get_model("hazards", "DeadlinePolicy")

    for row in read_rows(DOCUMENTS):
        Document.objects.update_or_create(
            code=row["code"],
            defaults={
                "sector_id": row["sector"],
                "title": row["title"],
                "number": row["number"],
                "issuer": row["issuer"],
                "effective_on": date.fromisoformat(row["effective_on"]) if row["effective_on"] else None,
                "status": row["status"],
                "confidence": row["confidence"],
                "source": row["source"],
            },
        )
    document_ids = dict(Document.objects.values_list("code", "pk"))
    for row in read_rows(ITEMS):
        Item.objects.update_or_create(
            code=row["code"],
            defaults={
                "document_id": document_ids[row["document"]],
                "article": row["article"],
                "judgement": row["judgement"],
                "text_zh": row["text_zh"],
                "text_en": row["text_en"],
                "confidence": row["confidence"],
            },
        )
    for row in read_rows(DEADLINES):
        Policy.objects.update_or_create(
            level=row["level"],
            sector_id=row["sector"] or None,
            defaults={"days": int(row["days"]), "basis": row["basis"], "confidence": row["confidence"]},
        )
