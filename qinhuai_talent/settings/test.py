"""Settings for the test suite: the environment's database and broker, fast hashing, no HTTPS."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")


def _own_redis_database(url: str, session: str) -> str:
    """The broker URL with a Redis database of this xdist session's own: the base database
    minus the session's number (gw0 keeps it, gw1 takes the one below), modulo Redis's 16."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    own = (base - int(session.removeprefix("gw"))) % 16
    return urlunsplit(parts._replace(path=f"/{own}"))


# Under pytest-xdist (`make test`, CI) each of its workers is a test session of its own, with its
# own test database (pytest-django suffixes the name with the worker's id) and, here, its own Redis
# database for the broker: a session's Celery worker never takes another session's jobs (kombu
# prefixes its broadcast channels with the database too). The URL is rewritten in the environment
# once, so that the processes a test starts (a Celery worker, gunicorn) inherit it as it is.
_session = os.environ.get("PYTEST_XDIST_WORKER", "")
_broker = os.environ.get("CELERY_BROKER_URL", "")
if _session.startswith("gw") and _broker.startswith("redis://") and os.environ.get("XDIST_BROKER_OF") != _session:
    os.environ["CELERY_BROKER_URL"] = _own_redis_database(_broker, _session)
    os.environ["XDIST_BROKER_OF"] = _session

from .base import *  # noqa: E402,F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
PRIVATE_MEDIA_ROOT = BASE_DIR / ".pytest_cache" / "private_media"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    "user": "100000/hour",
    "anon": "100000/hour",
    "report_client": "100000/hour",
}
