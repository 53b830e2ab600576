"""The risk register listens to the hazard loop: when a hazard linked to a risk point moves (closed,
reopened, judged major), the point's current level is recomputed in the same transaction."""

from typing import Any

from django.dispatch import receiver

from safeloop.hazards.models import Hazard
from safeloop.hazards.signals import hazard_moved


@receiver(hazard_moved, sender=Hazard, dispatch_uid="risks.refresh_linked_points")
def refresh_linked_points(sender: Any, *, hazard: Hazard, actor: Any = None, **kwargs: Any) -> None:
    from safeloop.risks import services

    services.hazard_moved(hazard=hazard, actor=actor or "system")
