"""Task 4: the engine is created in the lifespan, kept on app.state.engine, disposed at shutdown."""

import sys

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine


def module_level_engines() -> list[str]:
    found = []
    for name, module in list(sys.modules.items()):
        if name == "app" or name.startswith("app."):
            for attr, value in vars(module).items():
                if isinstance(value, AsyncEngine):
                    found.append(f"{name}.{attr}")
    return found


@pytest.mark.task(4)
async def test_engine_is_created_at_startup_not_at_import(make_app, start_app, admin_db) -> None:
    app = make_app()
    engines = module_level_engines()
    assert not engines, (
        f"an AsyncEngine exists at module level ({', '.join(engines)}) before the app started; "
        "create it inside lifespan (forked workers would share its sockets, a second event loop "
        "would find connections attached to the first)"
    )
    assert getattr(app.state, "engine", None) is None, "app.state.engine is set before startup; set it in lifespan"
    sessions = await admin_db.backend_count()
    assert sessions == 0, f"{sessions} database session(s) were open before startup; expected none"
    async with start_app(app):
        assert isinstance(getattr(app.state, "engine", None), AsyncEngine), (
            "after startup app.state.engine is not an AsyncEngine; create it in lifespan and keep it there"
        )


@pytest.mark.task(4)
async def test_startup_keeps_a_warmed_engine_on_app_state(make_app, start_app, admin_db) -> None:
    async with start_app(make_app(WARMUP_CONNECTIONS=3, POOL_SIZE=4, APPLICATION_NAME="grader-life")) as app:
        engine = getattr(app.state, "engine", None)
        assert isinstance(engine, AsyncEngine), (
            f"after startup app.state.engine is {type(engine).__name__}; expected the AsyncEngine"
        )
        sessions = await admin_db.settle_backends(3)
        names = {row["application_name"] for row in await admin_db.backends()}
        assert (sessions, engine.pool.checkedin()) == (3, 3), (
            f"with WARMUP_CONNECTIONS=3 the server sees {sessions} session(s) and the pool holds "
            f"{engine.pool.checkedin()} after startup; expected 3 and 3 (call warm_up in lifespan)"
        )
        assert names == {"grader-life"}, f"the app's sessions are tagged {names}; expected {{'grader-life'}}"


@pytest.mark.task(4)
async def test_each_app_gets_its_own_engine(make_app, start_app) -> None:
    async with start_app(make_app()) as first, start_app(make_app()) as second:
        assert first.state.engine is not second.state.engine, (
            "two apps created by create_app() share one engine; each must create its own in "
            "lifespan (an engine made at import is shared by every app and worker of the process)"
        )


@pytest.mark.task(4)
async def test_shutdown_closes_every_connection(make_app, start_app, admin_db) -> None:
    async with start_app(make_app(WARMUP_CONNECTIONS=2)) as app:
        opened = await admin_db.settle_backends(2)
        assert opened == 2, f"expected 2 sessions after startup with WARMUP_CONNECTIONS=2, saw {opened}"
        engine = app.state.engine
    left = await admin_db.settle_backends(0)
    assert left == 0, (
        f"{left} session(s) of the app are still open on the server after shutdown; expected 0 "
        "(await engine.dispose() after the lifespan's yield)"
    )
    assert engine.pool.checkedin() == 0, (
        f"the pool still holds {engine.pool.checkedin()} connection(s) after shutdown; expected 0"
    )
