"""xlsx import/export endpoints for enterprises."""

from ninja import Router

router = Router(tags=["import/export"])
