"""The shipping-quote service: a slow HTTP call to another service (scaffolding)."""

from decimal import Decimal, InvalidOperation

import httpx

from app.errors import ShippingUnavailable


async def quote_shipping(http: httpx.AsyncClient, base_url: str, items: int) -> Decimal:
    """``GET {SHIPPING_URL}/quote?items=N`` answers ``{"cost": "4.90"}``; it may take seconds."""
    try:
        response = await http.get(f"{base_url.rstrip('/')}/quote", params={"items": items})
        response.raise_for_status()
        return Decimal(str(response.json()["cost"]))
    except (httpx.HTTPError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise ShippingUnavailable(f"the shipping service failed: {type(exc).__name__}: {exc}") from exc
