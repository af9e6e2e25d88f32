"""Request and response models (given). Responses are built from ORM objects (from_attributes):
validating one reads every attribute it names, relationships included, after the endpoint returned."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
    id: int
    status: str
    created_at: datetime
    updated_at: datetime
    user: UserOut
    items: list[OrderItemOut]


class OrderLineIn(BaseModel):
    product_id: int
    quantity: int = Field(gt=0)


class OrderIn(BaseModel):
    user_id: int
    items: list[OrderLineIn] = Field(min_length=1)


class StatusIn(BaseModel):
    status: Literal["pending", "paid", "shipped", "cancelled"]
