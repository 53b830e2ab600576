"""Bearer tokens: obtained with a password under the lockout policy, refused once expired or revoked,
and stored only as a hash."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from safeloop.accounts.models import ApiToken

EN = {"Accept-Language": "en"}
PASSWORD = "SafeLoop-2026!"


def _token(api_as, username, password):
    return api_as(None).post("/api/v1/auth/token", {"username": username, "password": password}, headers=EN)


def test_the_right_password_gives_a_token_that_works(api_as):
    response = _token(api_as, "yuehu", PASSWORD)
    assert response.status_code == 200
    assert response.json()["expires_at"]
    client = api_as(None)
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    assert client.get("/api/v1/me").json()["username"] == "yuehu"


def test_a_wrong_password_is_refused_with_a_reason(api_as):
    response = _token(api_as, "yuehu", "not-the-password")
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password."


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(api_as):
    assert _token(api_as, "nobody", PASSWORD).json() == _token(api_as, "yuehu", "wrong").json()


def test_after_five_wrong_passwords_even_the_right_one_is_refused(api_as):
    for _attempt in range(5):
        assert _token(api_as, "guixi", "wrong").status_code == 401
    response = _token(api_as, "guixi", PASSWORD)
    assert response.status_code == 401
    assert "locked" in response.json()["detail"]
    assert "token" not in response.json()


def test_no_token_or_a_made_up_one_is_refused(api_as):
    assert api_as(None).get("/api/v1/enterprises").status_code == 401
    client = api_as(None)
    client.headers["Authorization"] = "Bearer sl_made-up"
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_expired_token_is_refused(api_as, people):
    client = api_as("yuehu")
    assert client.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(user=people["yuehu"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me").status_code == 401


def test_a_revoked_token_is_refused(api_as):
    client = api_as("yuehu")
    assert client.post("/api/v1/auth/token/revoke").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_a_deactivated_users_token_is_refused(api_as, people):
    client = api_as("ent1")
    people["ent1"].is_active = False
    people["ent1"].save(update_fields=["is_active"])
    assert client.get("/api/v1/me").status_code == 401


def test_the_raw_token_is_stored_nowhere_in_the_database(api_as):
    secret = _token(api_as, "yuehu", PASSWORD).json()["token"]
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found += [table for row in cursor.fetchall() if secret in repr(row)]
    assert ApiToken.objects.count() == 1  # the token exists, as its hash
    assert found == []
