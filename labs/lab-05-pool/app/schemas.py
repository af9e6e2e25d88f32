"""Request and response bodies (scaffolding)."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    price: Decimal
    stock: int


class OrderLine(BaseModel):
    product_id: int
    quantity: int = Field(gt=0)


class OrderIn(BaseModel):
    user_id: int
    items: list[OrderLine] = Field(min_length=1)


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: int
    quantity: int
    unit_price: Decimal


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    shipping: Decimal
    total: Decimal
    items: list[OrderItemOut]


class InvoiceLine(BaseModel):
    product: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


class Invoice(BaseModel):
    order_id: int
    customer: str
    lines: list[InvoiceLine]
    shipping: Decimal
    total: Decimal
