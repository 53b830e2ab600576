"""Signals other apps listen to. `hazard_moved` is sent inside the transaction of every accepted
action, so a listener's writes commit or roll back with the move itself."""

from django.dispatch import Signal

# kwargs: hazard, actor (who took the action), action, from_status, to_status
hazard_moved = Signal()
