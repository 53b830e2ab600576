from safeloop.hazards import config


def test_a_deployment_overrides_the_numbers_it_needs(settings):
    settings.SAFELOOP_HAZARDS = {"acceptance_review_days": 14, "escalation_ladder": [[1, 0], [3, 5]]}
    assert config.get("acceptance_review_days") == 14
    assert config.get("duplicate_radius_m") == 50  # untouched defaults stay
    assert [(step.tier, step.after.days) for step in config.escalation_ladder()] == [(1, 0), (3, 5)]
