from safeloop.hazards.notify import OFFICER_ROLES, merge
from safeloop.notifications.services import Audience


def test_merging_a_reporter_keeps_the_owners_role_filter():
    owners = Audience(divisions=("360602001", "360602"), departments=(7,), roles=OFFICER_ROLES)
    merged = merge(owners, Audience(users=(42,)))
    assert merged.users == (42,)
    assert merged.roles == OFFICER_ROLES  # verifiers and leaders of the township are not added


def test_a_unit_without_a_role_filter_reaches_all_its_members():
    merged = merge(Audience(enterprises=(3,)), Audience(divisions=("360602",), roles=OFFICER_ROLES))
    assert merged.roles == ()
