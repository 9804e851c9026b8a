import pytest

from server import create_app
from server.config import DEV_SECRET_KEY, ConfigError, normalise_database_url


def test_mapping_overrides_environment_which_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("TOKEN_TTL_HOURS", "5")
    app = create_app({"TOKEN_TTL_HOURS": 7})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["TOKEN_TTL_HOURS"] == 7


def test_environment_is_read_when_the_app_is_built_not_at_import(monkeypatch):
    monkeypatch.setenv("TOKEN_TTL_HOURS", "3")
    assert create_app().config["TOKEN_TTL_HOURS"] == 3
    monkeypatch.setenv("TOKEN_TTL_HOURS", "4")
    assert create_app().config["TOKEN_TTL_HOURS"] == 4


def test_embedded_default_is_sqlite_and_a_local_folder(monkeypatch):
    for name in ("DATABASE_URL", "S3_BUCKET", "STORAGE_DIR"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["STORAGE_DIR"].startswith(app.instance_path)


def test_request_size_is_limited():
    assert create_app().config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY])
def test_production_refuses_a_missing_or_default_secret_key(monkeypatch, secret):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if secret is not None:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-from-the-operator")
    assert create_app().config["APP_ENV"] == "production"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgresql_urls_use_psycopg_3(given, expected):
    assert normalise_database_url(given) == expected


def test_redis_url_moves_rate_limits_to_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
