from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "node_modules", ".git", "staticfiles"}


class Command(BaseCommand):
    help = "Compile every .po catalog of the project to .mo with Python only (no GNU gettext needed)."

    def handle(self, *args, **options):
        root = Path(settings.BASE_DIR)
        count = 0
        for po in root.rglob("locale/*/LC_MESSAGES/*.po"):
            if SKIP & set(po.relative_to(root).parts):
                continue
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)
            count += 1
        if options["verbosity"] > 1 or count:
            self.stdout.write(f"compiled {count} catalog(s)")
