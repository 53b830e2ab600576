import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from safeloop.orgs.demo.logins import DEMO_PASSWORD, demo_logins

URL = "http://127.0.0.1:8000/"


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a plain string, and translations are active only once the command runs.
        self.help = _("Print the demo logins, their password and the address to open.")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_logins()
        header = (_("Login"), _("Role"), _("Real name"), _("Scope"))
        rows = [header, *((d.username, d.role, d.real_name, d.scope) for d in logins)]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write("  ".join([*(_pad(cell, w) for cell, w in zip(row, widths, strict=False)), row[3]]))
        self.stdout.write("")
        self.stdout.write(_("Password for every demo login: %(password)s") % {"password": DEMO_PASSWORD})
        if not all(d.exists for d in logins):
            self.stdout.write(_("Some logins do not exist yet: run `safeloop demo` first."))
        self.stdout.write(_("Open %(url)s") % {"url": URL})
