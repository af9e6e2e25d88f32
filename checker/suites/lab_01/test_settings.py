"""Task 1: settings come from the environment; synchronous drivers are refused."""

from types import ModuleType

import pytest

SYNC_URLS = [
    "postgresql://shop:secret@db.example/shop",
    "postgresql+psycopg2://shop:secret@db.example/shop",
    "sqlite:///shop.db",
    "mysql+pymysql://shop:secret@db.example/shop",
]


def settings_class(learner: ModuleType) -> type:
    import app.settings

    return app.settings.Settings


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_settings_are_read_from_the_environment(learner: ModuleType, app_env, lab_db) -> None:
    app_env.set(POOL_SIZE=3, MAX_OVERFLOW=1, POOL_TIMEOUT=2.5, WARMUP_CONNECTIONS=2, APPLICATION_NAME="grader-env")
    settings = settings_class(learner)()
    observed = {
        name: getattr(settings, name, "<missing>")
        for name in ("database_url", "pool_size", "max_overflow", "pool_timeout", "warmup_connections", "application_name")
    }
    expected = {
        "database_url": lab_db.app_url,
        "pool_size": 3,
        "max_overflow": 1,
        "pool_timeout": 2.5,
        "warmup_connections": 2,
        "application_name": "grader-env",
    }
    wrong = {name: observed[name] for name in expected if observed[name] != expected[name]}
    assert not wrong, (
        f"Settings() did not take these fields from the environment: {wrong}; expected {expected} "
        "(look at the fields of Settings in app/settings.py: one per environment variable)"
    )


@pytest.mark.task(1)
@pytest.mark.needs("import")
@pytest.mark.parametrize("url", SYNC_URLS, ids=lambda url: url.split("://")[0])
def test_synchronous_driver_urls_are_refused(learner: ModuleType, url: str) -> None:
    Settings = settings_class(learner)
    try:
        Settings(database_url=url)
    except NotImplementedError:
        raise
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        assert "asyncpg" in str(exc), (
            f"Settings(database_url={url!r}) was refused, but the message does not say what to use "
            f"instead; expected it to mention postgresql+asyncpg, got: {str(exc)[:300]}"
        )
    else:
        pytest.fail(
            f"Settings(database_url={url!r}) was accepted; a synchronous driver must be refused at "
            "startup with a ValueError naming postgresql+asyncpg (look at the validator in app/settings.py)",
            pytrace=False,
        )


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_asyncpg_url_is_accepted(learner: ModuleType, lab_db) -> None:
    settings = settings_class(learner)(database_url=lab_db.app_url)
    assert settings.database_url == lab_db.app_url, (
        f"Settings(database_url=<an asyncpg URL>) changed the URL to {settings.database_url!r}; "
        "a valid postgresql+asyncpg URL must be kept as given"
    )


@pytest.mark.task(1)
async def test_app_refuses_a_synchronous_driver_at_startup(make_app, admin_db) -> None:
    from asgi_lifespan import LifespanManager

    try:
        app = make_app(DATABASE_URL="postgresql+psycopg2://shop:secret@localhost/shop")
        async with LifespanManager(app, startup_timeout=10):
            pass
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any refusal counts if it says what to do
        assert "asyncpg" in str(exc), (
            "the app refused DATABASE_URL=postgresql+psycopg2://... but its error does not name "
            f"postgresql+asyncpg: {type(exc).__name__}: {str(exc)[:300]}"
        )
    else:
        pytest.fail(
            "the app started with DATABASE_URL=postgresql+psycopg2://...; startup must fail with a "
            "message naming postgresql+asyncpg (Settings() is read in lifespan, app/main.py)",
            pytrace=False,
        )
