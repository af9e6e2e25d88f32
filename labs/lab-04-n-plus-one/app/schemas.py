"""What the endpoints answer (scaffolding).

``from_attributes`` lets pydantic read ORM objects: it reads every relationship named here, so
each one must have been loaded by the query before the response is built.
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProductRef(Out):
    id: int
    name: str


class ItemOut(Out):
    id: int
    product: ProductRef
    quantity: int
    unit_price: Decimal


class OrderOut(Out):
    id: int
    items: list[ItemOut]


class UserOut(Out):
    id: int
    email: str
    name: str
    orders: list[OrderOut]


class CategoryOut(Out):
    id: int
    name: str


class TagOut(Out):
    id: int
    name: str


class ProductOut(Out):
    id: int
    name: str
    price: Decimal
    category: CategoryOut
    tags: list[TagOut]


class UserStatsOut(Out):
    id: int
    name: str
    order_count: int
    spent: Decimal
