from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark's command (``manage.py seed_scale``); no models. The portal never imports it."""

    name = "bench"
    verbose_name = "Benchmark"
