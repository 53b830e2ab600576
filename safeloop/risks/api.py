"""API v1 for the risk register (DESIGN.md "Contracts": POST /risks/evaluate, GET /risk-points)."""

from ninja import Router

router = Router(tags=["risks"])
