"""Settings package (cookiecutter-django style).

- ``main``: what manage.py, wsgi, asgi and celery load: ``base`` plus, when debug is off,
  the ``production`` hardening.
- ``base``: everything, read from the environment by ``env``.
- ``test``: the suite's settings.
"""
