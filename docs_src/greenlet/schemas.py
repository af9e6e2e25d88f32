"""Response models built from ORM objects: validating one reads every attribute it names."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class FromORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UserOut(FromORM):
    id: int
    email: str
    name: str


class ProductOut(FromORM):
    id: int
    name: str
    price: Decimal


class OrderItemOut(FromORM):
    id: int
    quantity: int
    unit_price: Decimal
    product: ProductOut


class OrderOut(FromORM):
    """Reads order.user, order.items and, for each item, item.product."""

    id: int
    status: str
    created_at: datetime
    updated_at: datetime
    user: UserOut
    items: list[OrderItemOut]
