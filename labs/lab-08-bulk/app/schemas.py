"""Request and response bodies (scaffolding)."""

from decimal import Decimal

from pydantic import BaseModel, Field


class ProductIn(BaseModel):
    sku: str = Field(min_length=1, max_length=40)
    name: str = Field(max_length=200)
    price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    stock: int = Field(ge=0)


class ImportReport(BaseModel):
    received: int  # rows in the request, duplicates included
    inserted: int
    updated: int
