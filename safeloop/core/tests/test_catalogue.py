"""The Chinese catalogue is complete and the committed .mo matches the .po (DESIGN: Chinese first)."""

import gettext
import re
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def test_every_string_has_a_chinese_translation():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_its_source():
    compiled = gettext.GNUTranslations(MO.open("rb"))
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        assert compiled._catalog.get(key) == entry.msgstr, entry.msgid  # type: ignore[attr-defined]


def test_translation_functions_keep_names_makemessages_knows():
    """`makemessages` finds strings by the function's name (_, gettext, gettext_lazy, …): a string
    marked through another alias (`gettext_lazy as _lazy`) never reaches the catalogue and shows in
    English on a Chinese page."""
    known = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
    pattern = re.compile(r"from django\.utils\.translation import ([^\n(]+)")
    strays = []
    for path in (LOCALE.parent).rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            for name in match.group(1).split(","):
                alias = name.split(" as ")[-1].strip()
                if alias.startswith(("gettext", "ngettext", "pgettext", "_")) and alias not in known:
                    strays.append(f"{path.relative_to(LOCALE.parent)}: {name.strip()}")
    assert strays == []
