import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
