"""Task 1: one async_sessionmaker per app, made in the lifespan, with expire_on_commit=False."""

import importlib
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Integer, MetaData, String, exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .helpers import client_for


class ProbeBase(DeclarativeBase):
    metadata = MetaData()


class Probe(ProbeBase):
    """A table of the grader's own, so that this task is graded whatever the shop's models are."""

    __tablename__ = "grader_session_probe"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(50))


async def assert_keeps_values_after_commit(factory: Any, where: str) -> None:
    assert isinstance(factory, async_sessionmaker), (
        f"{where} is {type(factory).__name__}; expected sqlalchemy.ext.asyncio.async_sessionmaker(engine, ...)"
    )
    engine = factory.kw.get("bind")
    async with engine.begin() as conn:
        await conn.run_sync(ProbeBase.metadata.create_all)
    try:
        async with factory() as session:
            assert isinstance(session, AsyncSession), f"{where} makes {type(session).__name__}, not AsyncSession"
            probe = Probe(label="kept")
            session.add(probe)
            await session.commit()
            try:
                label = probe.label  # a plain attribute read, outside any await
            except exc.MissingGreenlet:
                pytest.fail(
                    f"with a session from {where}, reading an attribute of an object just committed "
                    "raised MissingGreenlet: the commit expired it, and the read tried to reload it "
                    "from the database, which asyncio cannot do implicitly. Make the factory with "
                    "expire_on_commit=False (make_sessionmaker, app/db.py)",
                    pytrace=False,
                )
            assert label == "kept", f"after commit the object's label reads {label!r}; expected 'kept'"
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(ProbeBase.metadata.drop_all)


@pytest.mark.task(1)
@pytest.mark.needs("import")
async def test_sessionmaker_keeps_values_after_commit(learner: ModuleType, lab_db: Any) -> None:
    db = importlib.import_module("app.db")
    engine = create_async_engine(lab_db.app_url, pool_size=2, max_overflow=0)
    try:
        factory = db.make_sessionmaker(engine)
        bind = getattr(factory, "kw", {}).get("bind")
        assert bind is engine, (
            f"make_sessionmaker(engine) made a factory bound to {bind!r}, not to the engine it was given"
        )
        await assert_keeps_values_after_commit(factory, "make_sessionmaker(engine)")
    finally:
        await engine.dispose()


@pytest.mark.task(1)
async def test_lifespan_keeps_one_sessionmaker_on_app_state(app: Any) -> None:
    factory = getattr(app.state, "sessionmaker", None)
    assert isinstance(factory, async_sessionmaker) and factory.kw.get("bind") is app.state.engine, (
        f"after startup app.state.sessionmaker is {factory!r}; expected an async_sessionmaker bound to "
        "app.state.engine, made by make_sessionmaker(engine) in the lifespan (the README's contract)"
    )
    await assert_keeps_values_after_commit(factory, "app.state.sessionmaker")
    async with client_for(app) as client:  # whatever the answers (Task 2), the factory must stay
        for _ in range(3):
            await client.get("/users/0")
    assert app.state.sessionmaker is factory, (
        "app.state.sessionmaker was replaced while requests were served; make it once, in the lifespan"
    )
