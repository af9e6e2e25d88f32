"""Request and response bodies (given)."""

from pydantic import BaseModel, ConfigDict, Field


class TenantIn(BaseModel):
    slug: str


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    schema_: str = Field(serialization_alias="schema", validation_alias="schema")


class ProductIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    price_cents: int = Field(ge=0)


class ProductOut(ProductIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class OrderIn(BaseModel):
    customer: str = Field(min_length=1, max_length=200)
    total_cents: int = Field(ge=0)


class OrderOut(OrderIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tenant_id: int
