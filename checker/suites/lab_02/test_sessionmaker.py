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


@pytest.mark.task(1)
@pytest.mark.needs("import")
async def test_sessionmaker_keeps_values_after_commit(learner: ModuleType, lab_db: Any) -> None:
    db = importlib.import_module("app.db")
    engine = create_async_engine(lab_db.app_url, pool_size=2, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(ProbeBase.metadata.create_all)
        factory = db.make_sessionmaker(engine)
        assert isinstance(factory, async_sessionmaker), (
            f"make_sessionmaker(engine) returned {type(factory).__name__}; expected "
            "sqlalchemy.ext.asyncio.async_sessionmaker(engine, ...)"
        )
        async with factory() as session:
            assert isinstance(session, AsyncSession), f"the factory makes {type(session).__name__}, not AsyncSession"
            assert session.bind is engine, "the factory's sessions are not bound to the engine given to make_sessionmaker"
            probe = Probe(label="kept")
            session.add(probe)
            await session.commit()
            try:
                label = probe.label  # a plain attribute read, outside any await
            except exc.MissingGreenlet:
                pytest.fail(
                    "after commit(), reading an attribute of a committed object raised MissingGreenlet: "
                    "the commit expired it and the read tried to reload it from the database, which "
                    "asyncio cannot do implicitly. Make the factory with expire_on_commit=False "
                    "(app/db.py, make_sessionmaker)",
                    pytrace=False,
                )
            assert label == "kept", f"after commit the object's label reads {label!r}; expected 'kept'"
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(ProbeBase.metadata.drop_all)
        await engine.dispose()


@pytest.mark.task(1)
async def test_lifespan_keeps_one_sessionmaker_on_app_state(app: Any) -> None:
    factory = getattr(app.state, "sessionmaker", None)
    assert isinstance(factory, async_sessionmaker), (
        f"after startup app.state.sessionmaker is {type(factory).__name__}; expected the "
        "async_sessionmaker made by make_sessionmaker(engine) in the lifespan (the README's contract)"
    )
    assert factory.kw.get("bind") is app.state.engine, (
        "app.state.sessionmaker is not bound to app.state.engine: make it from the app's engine"
    )
    async with client_for(app) as client:  # whatever the answers (Task 2), the factory must stay
        for _ in range(3):
            await client.get("/users/0")
    assert app.state.sessionmaker is factory, (
        "app.state.sessionmaker was replaced while requests were served; make it once, in the lifespan"
    )
