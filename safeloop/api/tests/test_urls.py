"""The API's published description: OpenAPI 3.1 and the docs page, which must work offline."""

import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client


def test_the_openapi_schema_describes_the_enterprise_endpoints():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/enterprises"])
    assert {"get", "patch", "delete"} <= set(schema["paths"]["/api/v1/enterprises/{id}"])
    created = schema["paths"]["/api/v1/enterprises"]["post"]["responses"]
    assert "201" in created and "400" in created and "403" in created
    assert "/api/v1/auth/token" in schema["paths"]


def test_the_docs_page_loads_nothing_from_another_host():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page names another host"
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        assert finders.find(asset.removeprefix(settings.STATIC_URL)), f"{asset} is not a file we serve"
