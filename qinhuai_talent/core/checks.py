"""Start-up refusals: production does not serve, run tasks or pass `check --deploy` without a secret key."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG=0) refuses to start without "
    "a secret key; set DJANGO_DEBUG=1 for a development key."
)


def secret_key_missing() -> bool:
    try:
        return not settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty key
        return True


def require_secret_key(**kwargs) -> None:
    """Called by the WSGI application and by the Celery worker and beat as they start."""
    if secret_key_missing():
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_is_set(app_configs, **kwargs):
    if secret_key_missing():
        return [checks.Error(MISSING_SECRET_KEY, id="qinhuai.E001")]
    return []
