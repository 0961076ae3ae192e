"""``manage.py seed_scale --scale S``: the city-scale data set for the benchmark (bench/seed.py)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from qinhuai_talent.core.models import OrgUnit

# SQLite has no COPY and locks the whole file while writing; beyond this it is not a benchmark.
SQLITE_MAX_SCALE = 0.01


class Command(BaseCommand):
    help = "Generate a proportional city-scale data set (S=1: 100,000 talents, 2,000,000 operating reports, …)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 is city scale; 0.01 is a district")
        parser.add_argument("--as-of", default=None, help="the day the data leads up to (ISO date; default today)")
        parser.add_argument("--seed", type=int, default=2017, help="random seed (the same seed gives the same data)")

    def handle(self, *args, scale: float, as_of: str | None, seed: int, **options):
        from ...seed import UNIT_PREFIX, seed_scale

        if scale <= 0:
            raise CommandError("--scale must be greater than 0.")
        if connection.vendor != "postgresql" and scale > SQLITE_MAX_SCALE:
            raise CommandError(
                f"seed_scale needs PostgreSQL for --scale above {SQLITE_MAX_SCALE} (it streams rows with COPY); "
                f"this database is {connection.vendor}. Set DATABASE_URL=postgres://… or use a tiny scale."
            )
        if OrgUnit.objects.filter(code__startswith=UNIT_PREFIX).exists():
            raise CommandError("This database already holds a scale data set; seed a fresh database.")
        day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        result = seed_scale(scale=scale, as_of=day, seed=seed, log=self.stdout.write)
        for name, count in result.counts.items():
            self.stdout.write(f"{name:>22}: {count:>10,}")
        self.stdout.write(f"seeded scale {scale} in {result.seconds:.1f} s")
