from django.core.management.base import BaseCommand, CommandError

from ...audit import AUDIT_CHECKS


class Command(BaseCommand):
    help = "Check the hash chains of the transition log and the money ledger; name every tampered row."

    def handle(self, *args, **options):
        problems = [p for check in AUDIT_CHECKS for p in check()]
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found")
        self.stdout.write(self.style.SUCCESS("Audit chains intact."))
