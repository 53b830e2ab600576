"""The band tables shipped with SafeLoop (DOMAIN.md §4.2–4.3) and which one each method uses by
default. Loaded by a data migration; the city office edits them afterwards."""

from typing import Any

# code, method, title, major_from, significant_from, general_from, confidence, source
TABLES: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    (
        "lec-default",
        "lec",
        "LEC 作业条件危险性评价法（D≥320 重大，160–320 较大，70–160 一般，<70 低）",
        "320",
        "160",
        "70",
        "S",
        "DOMAIN.md §4.2 (closed lower bounds); m.aqrzj.com/doc/348231.html",
    ),
    (
        "ls-b",
        "ls",
        "风险矩阵 B（R 20–25 重大，9–16 较大，4–8 一般，1–3 低）",
        "20",
        "9",
        "4",
        "S",
        "DOMAIN.md §4.3 variant B; zgmkw.com/doc-30900.html",
    ),
    (
        "ls-a",
        "ls",
        "风险矩阵 A（R 20–25 重大，15–16 较大，9–12 一般，1–8 低）",
        "20",
        "15",
        "9",
        "U",
        "DOMAIN.md §4.3 variant A (recalled from DB37/T 2882-2016; not retrieved)",
    ),
)

# method → default table code. Variant B is the one with a secondary source (DOMAIN.md §4.3).
DEFAULT_FOR_METHOD = {"lec": "lec-default", "ls": "ls-b"}


def load_band_tables(get_model: Any) -> None:
    table_model = get_model("risks", "RiskBandTable")
    setting_model = get_model("risks", "RiskMethodSetting")
    by_code = {}
    for code, method, title, major, significant, general, confidence, source in TABLES:
        by_code[code], _ = table_model.objects.get_or_create(
            code=code,
            defaults={
                "method": method,
                "title": title,
                "major_from": major,
                "significant_from": significant,
                "general_from": general,
                "confidence": confidence,
                "source": source,
            },
        )
    for method, code in DEFAULT_FOR_METHOD.items():
        setting_model.objects.get_or_create(method=method, sector=None, defaults={"table": by_code[code]})
