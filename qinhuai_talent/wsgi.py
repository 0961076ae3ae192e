import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")
application = get_wsgi_application()

from qinhuai_talent.core.checks import require_secret_key  # noqa: E402  (after Django is set up)

require_secret_key()
