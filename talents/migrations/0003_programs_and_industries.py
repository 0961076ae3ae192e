from django.db import migrations

from talents.reference import INDUSTRIES, PROGRAMS


def load(apps, schema_editor):
    Program = apps.get_model("talents", "Program")
    Industry = apps.get_model("talents", "Industry")
    for code, name, name_en, level, track, has_defense, authority, max_support in PROGRAMS:
        Program.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "level": level,
                "track": track,
                "has_defense": has_defense,
                "selection_authority": authority,
                "max_support": max_support,
            },
        )
    for code, name, name_en, leading, order in INDUSTRIES:
        Industry.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "leading": leading, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("talents", "0002_pipeline_details")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
