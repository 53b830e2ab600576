"""Organisation endpoints (placeholder router; endpoints are added in orgs/api.py)."""

from ninja import Router

router = Router(tags=["organisation"])
