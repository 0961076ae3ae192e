from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...jobs import JOB_KINDS, job_run
from ...models import Job, JobState

FLAGS = {
    "enterprises": "recompute_enterprise_figures",
    "payouts": "recompute_payouts",
    "exit_flags": "recompute_exit_flags",
    "assessments": "recompute_assessments",
}


class Command(BaseCommand):
    help = "Run the recompute jobs in the foreground with a progress bar (all of them without flags)."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", action="store_true", help="derived enterprise figures and classes")
        parser.add_argument("--payouts", action="store_true", help="payout proposals of active agreements")
        parser.add_argument("--exit-flags", action="store_true", help="exit flags by the exit rules")
        parser.add_argument("--assessments", action="store_true", help="unit assessments not yet published")

    def handle(self, *args, **options):
        chosen = [kind for flag, kind in FLAGS.items() if options[flag]] or list(FLAGS.values())
        missing = [k for k in chosen if k not in JOB_KINDS]
        if missing and any(options[f] for f in FLAGS):
            raise CommandError(f"Not available in this installation: {', '.join(missing)}")
        failed = False
        for kind in (k for k in chosen if k in JOB_KINDS):
            job = Job.objects.create(kind=kind)
            with tqdm(total=100, desc=kind, unit="%", disable=options["verbosity"] == 0) as bar:

                def advance(fraction: float, bar=bar) -> None:
                    bar.update(round(fraction * 100) - bar.n)

                job = job_run(job.pk, on_progress=advance)
                bar.update(100 - bar.n)
            if job.state == JobState.SUCCEEDED:
                self.stdout.write(f"{kind}: {job.counts}")
            else:
                failed = True
                self.stderr.write(f"{kind} failed: {job.message}")
        if failed:
            raise CommandError("At least one job failed.")
