from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.core import audit
from safeloop.hazards.demo import HistoryError, load_hazard_history
from safeloop.inspections.demo import InspectionDemoError, load_inspections
from safeloop.orgs.demo.city import ENTERPRISES, SCALES, DemoError, demo_loaded, load_demo
from safeloop.orgs.demo.geography import DEFAULT_SEED
from safeloop.risks.demo import RegisterError, load_risk_register

SCALE_LABELS = {"city": gettext_lazy("city of 鹰潭市"), "province": gettext_lazy("synthetic province")}


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a plain string, and translations are active only once the command runs.
        self.help = _("Load the demo city of 鹰潭市 (villages, grids, enterprises, demo logins) from a seed.")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=SCALES,
            default="city",
            help=_(
                "city: about 300 grids and %(city)s enterprises; "
                "province: about 10,000 grids and %(province)s enterprises"
            )
            % {k: f"{v:,}" for k, v in ENTERPRISES.items()},
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("the same seed gives the same city"))
        parser.add_argument("--if-empty", action="store_true", help=_("do nothing when enterprises exist already"))
        parser.add_argument(
            "--enterprises", type=int, default=None, help=_("how many enterprises, instead of the scale's number")
        )
        parser.add_argument(
            "--hazards",
            type=int,
            default=None,
            help=_("how many hazards of the last 12 months (city scale; default 3 for every 4 enterprises; 0: none)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_loaded():
            self.stdout.write(_("The demo city is already loaded (enterprises exist); nothing to do."))
            return
        # The hazard history drives the real services (audit, events, notifications) for every hazard;
        # the province scale would take too long, so it is loaded at the city scale only.
        with_hazards = options["scale"] == "city" and options["hazards"] != 0
        try:
            with transaction.atomic():
                summary = load_demo(scale=options["scale"], seed=options["seed"], enterprises=options["enterprises"])
                history = load_hazard_history(seed=options["seed"], count=options["hazards"]) if with_hazards else None
                # The risk register's failed checks report hazards too: it comes with the hazard history.
                risks = load_risk_register(seed=options["seed"]) if with_hazards else None
                # The campaigns' findings are hazards too, and their rectifiers the register's officers.
                inspections = load_inspections(seed=options["seed"]) if with_hazards else None
        except (DemoError, HistoryError, RegisterError, InspectionDemoError) as exc:
            raise CommandError(str(exc)) from exc
        audit.seal()  # link the load's audit rows into the chain now rather than at the worker's next round
        self.stdout.write(
            _(
                "Loaded the demo %(scale)s (seed %(seed)s): %(divisions)s new divisions, %(grids)s grids, "
                "%(enterprises)s enterprises, %(people)s logins in %(seconds).1f s."
            )
            % {
                "scale": SCALE_LABELS[summary.scale],
                "seed": summary.seed,
                "divisions": f"{summary.divisions:,}",
                "grids": f"{summary.grids:,}",
                "enterprises": f"{summary.enterprises:,}",
                "people": summary.people,
                "seconds": summary.seconds,
            }
        )
        if history is not None:
            self.stdout.write(
                _(
                    "Added %(hazards)s hazards of the last 12 months (%(open)s open, %(overdue)s overdue, "
                    "%(major)s major) acted by %(people)s more demo people, in %(seconds).1f s."
                )
                % {
                    "hazards": f"{history.hazards:,}",
                    "open": history.open,
                    "overdue": history.overdue,
                    "major": history.major,
                    "people": history.people,
                    "seconds": history.seconds,
                }
            )
        elif options["scale"] == "province":
            self.stdout.write(_("No hazard history at the province scale; it is loaded for the city only."))
        if risks is not None:
            self.stdout.write(
                _(
                    "Added %(points)s risk points of %(enterprises)s enterprises and %(public)s public areas "
                    "(%(major)s major, %(significant)s significant, %(general)s general, %(low)s low; "
                    "%(raised)s raised by an open hazard) with %(checks)s checks, in %(seconds).1f s."
                )
                % {
                    "points": f"{risks.points:,}",
                    "enterprises": f"{risks.enterprises:,}",
                    "public": risks.public_points,
                    "major": risks.assessed["major"],
                    "significant": risks.assessed["significant"],
                    "general": risks.assessed["general"],
                    "low": risks.assessed["low"],
                    "raised": risks.raised,
                    "checks": f"{sum(risks.checks.values()):,}",
                    "seconds": risks.seconds,
                }
            )
        if inspections is not None:
            self.stdout.write(
                _(
                    "Added %(campaigns)s campaigns (the running one: %(inspected)s of %(targets)s sites inspected, "
                    "%(tasks)s tasks, %(tasks_overdue)s overdue) with %(inspections)s inspections "
                    "(%(unannounced)s unannounced) finding %(hazards)s hazards (%(rectified)s rectified, "
                    "%(overdue)s overdue), and %(check_ins)s patrol check-ins in %(patrolled)s of %(plans)s "
                    "planned grids (%(behind)s behind plan), in %(seconds).1f s."
                )
                % {
                    "campaigns": inspections.campaigns,
                    "inspected": f"{inspections.inspected:,}",
                    "targets": f"{inspections.targets:,}",
                    "tasks": inspections.tasks,
                    "tasks_overdue": inspections.tasks_overdue,
                    "inspections": f"{sum(inspections.inspections.values()):,}",
                    "unannounced": inspections.unannounced,
                    "hazards": f"{inspections.hazards:,}",
                    "rectified": f"{inspections.rectified:,}",
                    "overdue": inspections.overdue,
                    "check_ins": f"{inspections.check_ins:,}",
                    "patrolled": inspections.grids_patrolled,
                    "plans": inspections.plans,
                    "behind": inspections.grids_behind,
                    "seconds": inspections.seconds,
                }
            )
