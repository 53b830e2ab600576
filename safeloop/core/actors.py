"""Actors that are not people: the platform itself (demo loader, migrations, scheduled jobs).
Audit rows name them; scope treats them as system-wide."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    name: str
    is_authenticated = False
    is_active = True
    is_system = True

    def __str__(self) -> str:
        return self.name


SYSTEM = SystemActor("system")
DEMO = SystemActor("demo")
