def test_pages_are_chinese_even_when_the_browser_asks_for_english(client, db):
    response = client.get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_picked_in_the_switch_wins(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/")
    assert '<html lang="en">' in response.content.decode()


def test_api_clients_negotiate_their_language(client, db):
    english = client.post(
        "/api/v1/auth/token",
        {"username": "nobody", "password": "x"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    chinese = client.post(
        "/api/v1/auth/token", {"username": "nobody", "password": "x"}, content_type="application/json"
    )
    assert english.status_code == chinese.status_code == 401
    assert english.json()["detail"] == "Wrong username or password."
    assert chinese.json()["detail"] != english.json()["detail"]
