"""What GET /products answers (scaffolding)."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    price: Decimal
    created_at: datetime


class ProductPage(BaseModel):
    items: list[ProductOut]
    # null on the last page; otherwise pass it back unchanged as ?cursor= to get the next page
    next_cursor: str | None
