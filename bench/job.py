"""Run one engine recompute in a fresh process and print its figures as JSON on the last line.

A process of its own, so ``peak_rss_mb`` is the job's peak (Django included), not the bench's.
``python -m bench.job recompute_payouts 2026-11-28``
"""

import json
import os
import resource
import sys
import time


def main() -> None:
    kind, as_of = sys.argv[1], sys.argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")
    import django

    django.setup()
    from qinhuai_talent.core.jobs import job_run
    from qinhuai_talent.core.models import Job

    job = Job.objects.create(kind=kind, params={"as_of": as_of})
    started = time.perf_counter()
    job = job_run(job.pk)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"state": job.state, "message": job.message, "seconds": seconds, "peak_rss_mb": rss, "counts": job.counts}
        )
    )


if __name__ == "__main__":
    main()
