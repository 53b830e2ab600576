"""The criteria catalogue page and the city office's default-deadline table."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from safeloop.core.models import AuditEvent
from safeloop.hazards import routing
from safeloop.hazards.models import DeadlinePolicy
from safeloop.hazards.tests.helpers import create

pytestmark = pytest.mark.django_db


def _client(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_catalogue_shows_items_with_their_confidence_in_both_languages(people):
    zh = _client(people["grid1"]).get(reverse("hazards:reference")).content.decode()
    assert 'data-testid="criteria-gas-2023-4-1"' in zh and "燃气" in zh
    en = _client(people["grid1"], "en").get(reverse("hazards:reference")).content.decode()
    assert "Criteria and deadlines" in en
    assert _client(people["outsider"]).get(reverse("hazards:reference")).status_code == 404


def test_the_city_office_sets_a_sector_deadline_that_new_reports_then_use(people):
    url = reverse("hazards:reference")
    refused = _client(people["yuehu"]).post(url, {"level": "general", "sector": "gas", "days": "5"})
    assert refused.status_code == 403
    bad = _client(people["city"]).post(url, {"level": "general", "sector": "gas", "days": "0"})
    assert bad.status_code == 422
    assert not DeadlinePolicy.objects.filter(sector_id="gas").exists()
    saved = _client(people["city"]).post(
        url, {"level": "general", "sector": "gas", "days": "5", "basis": "市安委办通知"}
    )
    assert saved.status_code == 302
    assert DeadlinePolicy.objects.get(level="general", sector_id="gas").days == 5
    assert AuditEvent.objects.filter(verb="hazard.deadline_policy_save").exists()
    routing.clear_cache()
    hazard = create(people)
    assert abs(hazard.due_at - (hazard.reported_at + timedelta(days=5))) < timedelta(seconds=1)
    fire = create(people, sector="fire", title="消防通道堵塞")
    general_days = DeadlinePolicy.objects.get(level="general", sector=None).days
    assert abs(fire.due_at - (fire.reported_at + timedelta(days=general_days))) < timedelta(seconds=1)
    removed = _client(people["city"]).post(url, {"level": "general", "sector": "gas", "days": "5", "delete": "1"})
    assert removed.status_code == 302
    assert not DeadlinePolicy.objects.filter(sector_id="gas").exists()
