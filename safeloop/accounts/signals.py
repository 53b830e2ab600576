from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from safeloop.core import audit


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, verb="logout", obj=user)
