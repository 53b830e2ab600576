from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "safeloop.risks"
    label = "risks"
    verbose_name = _("Risk grading and control")

    def ready(self) -> None:
        from safeloop.risks import receivers  # noqa: F401  (connects to the hazard loop's signal)
