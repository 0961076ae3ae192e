"""A Celery app of the bench's own (Redis db 12): the payout recompute split into partitions of
agreement ids, each partition a task running the engine's own batch function, run as a group."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")

app = Celery("bench", broker=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/12"))
app.conf.update(
    result_backend=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/12"),
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    broker_connection_retry_on_startup=True,
)


@app.on_after_configure.connect
def _django(**kwargs):
    import django
    from django.db import connections

    from bench.job import load_urlconf

    django.setup()
    # The URLconf, which the recompute's notices import on their first reverse() (about a second),
    # is loaded in the worker's parent before it forks its processes, as in a worker that has run
    # any task that links to a page (bench/job.py loads it before the engine job's clock starts).
    # Without it every process paid that second inside the timed group: once with one process,
    # once in each of two in parallel, which is not work that a second process can share.
    load_urlconf()
    connections.close_all()  # nothing of the parent's is shared with the forked processes


@app.task(name="bench.partition_payouts")
def partition_payouts(ids: list[int], as_of: str) -> dict:
    import django

    django.setup()
    from datetime import date

    from funding import engine
    from qinhuai_talent.core.money import to_money

    table = engine.factors()
    limits = {u: to_money(v) for u, v in engine.ApprovalLimit.objects.values_list("org_unit_id", "max_amount")}
    counts = engine.PayoutCounts()
    day = date.fromisoformat(as_of)
    for start in range(0, len(ids), engine.BATCH):
        engine._recompute_batch(ids[start : start + engine.BATCH], day, counts, table, limits)
    return counts.as_dict()
