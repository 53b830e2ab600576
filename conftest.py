import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def _drop_code_sequences() -> None:
    """The flush empties the tables but not the PostgreSQL sequences behind readable codes
    (hazards.numbering), so a later test would get other codes for the same seed."""
    from django.db import connection

    from safeloop.hazards import numbering

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE %s", ["hazard_seq_%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP SEQUENCE IF EXISTS "{name}"')
    numbering.forget_sequences()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test ends with a flush that also empties the reference data migration 0002
    loaded (division tree, sectors, departments, responsibility map); put it back for the next test."""
    result = yield
    if nextitem is not None and _is_transactional(item):  # after the last test the database is gone
        from django.apps import apps
        from pytest_django.plugin import blocking_manager_key

        from safeloop.orgs import reference
        from safeloop.orgs.models import Division

        with item.config.stash[blocking_manager_key].unblock():
            if not Division.objects.exists():
                reference.load(apps.get_model)
            from safeloop.hazards import criteria
            from safeloop.hazards.models import CriteriaDocument

            if not CriteriaDocument.objects.exists():
                criteria.load_criteria(apps.get_model)
            from safeloop.risks.bands import load_band_tables

            load_band_tables(apps.get_model)
            from safeloop.inspections.checklists_data import load_checklists

            load_checklists(apps.get_model)
            _drop_code_sequences()
    return result


@pytest.fixture
def city(db):
    """The small test city with the demo logins (admin, city, yuehu, guixi, yingji, jiaoyu, ent1,
    grid1, verifier, outsider, security, auditor, leader)."""
    from safeloop.core.testing import build_test_city

    return build_test_city()


@pytest.fixture
def people(city):
    return city.people


class ApiClient:
    """Django's test client speaking JSON with a bearer token obtained through the real endpoint."""

    def __init__(self, username: str | None) -> None:
        from django.test import Client

        self.client = Client()
        self.headers: dict[str, str] = {}
        if username is not None:
            response = self.client.post(
                "/api/v1/auth/token",
                {"username": username, "password": "SafeLoop-2026!"},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
            self.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def get(self, path, data=None, **extra):
        return self.client.get(path, data, headers=self.headers | extra.pop("headers", {}), **extra)

    def post(self, path, data=None, **extra):
        return self.client.post(
            path, data or {}, content_type="application/json", headers=self.headers | extra.pop("headers", {}), **extra
        )

    def patch(self, path, data=None, **extra):
        return self.client.patch(
            path, data or {}, content_type="application/json", headers=self.headers | extra.pop("headers", {}), **extra
        )

    def delete(self, path, **extra):
        return self.client.delete(path, headers=self.headers | extra.pop("headers", {}), **extra)


@pytest.fixture
def api_as(city):
    """api_as("yuehu") → a JSON client authenticated as that demo login."""
    return ApiClient


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The suite creates the demo logins for every test; PBKDF2's cost is for attackers, not for CI.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_routing_cache():
    # Routing and the overview cache small tables per process; every test builds its own city.
    from safeloop.hazards import overview, routing

    routing.clear_cache()
    overview.clear_cache()
