from importlib import import_module
from importlib.util import find_spec

from django.core.management.base import BaseCommand

from ... import clock
from ...demo import ACCOUNTS, DEMO_PASSWORD, seed_units_and_users
from ...models import Role

# Dependency order: each app's demo builds on the ones before it.
# The reports app's demo runs last: the inboxes of the accounts the others told nothing.
DEMO_APPS = ["talents", "enterprises", "funding", "assessment", "serviceplatform", "reports"]


class Command(BaseCommand):
    help = "Create or refresh the demo district (units, accounts, data). Safe to run again."

    def handle(self, *args, **options):
        # The demo is the story of 2017 evaluated as of DEMO_DAY: every stamp it writes reads
        # that day, whatever the real date or PORTAL_AS_OF.
        with clock.running_on(clock.DEMO_DAY):
            seed_units_and_users()
            for app in DEMO_APPS:
                if find_spec(f"{app}.demo") is not None:
                    import_module(f"{app}.demo").seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo district ready. Log in at http://127.0.0.1:8000/accounts/login/"))
        self.stdout.write(f"Every demo account has the password {DEMO_PASSWORD}:")
        for username, role, unit, *_ in ACCOUNTS:
            self.stdout.write(f"  {username:<9} {role.label}{' · ' + unit if unit else ''}")
        self.stdout.write(f"  {'provider':<9} {Role.PROVIDER.label}")
