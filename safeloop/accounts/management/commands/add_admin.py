"""`safeloop add_admin USERNAME --role sys_admin|sec_admin|audit_admin`: the first administrators of a
production install (三员分立: one person per role). The password is asked for, or read from a file."""

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from safeloop.accounts import services
from safeloop.accounts.choices import THREE_ADMINS
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import FieldErrors


class Command(BaseCommand):
    help = "Create a system, security or audit administrator (one role per person)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(THREE_ADMINS))
        parser.add_argument("--real-name", default="")
        parser.add_argument("--password-file", type=Path, help="Read the password from this file.")

    def handle(
        self, *args: Any, username: str, role: str, real_name: str, password_file: Path | None, **options: Any
    ) -> None:
        if password_file is not None:
            password = password_file.read_text().strip()
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            with transaction.atomic():
                user = services.user_create(actor=SYSTEM, username=username, password=password, real_name=real_name)
                services.membership_add(actor=SYSTEM, user=user, role=role)
        except FieldErrors as exc:
            raise CommandError("; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)) from exc
        self.stdout.write(f"{username} is now {role}.")
