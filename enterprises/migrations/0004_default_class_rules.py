"""The office's starting rules for the classes; it changes them on the class-rules page."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    # (class, priority, min cumulative revenue, min growth, min cumulative financing, min employees)
    ("little_giant", 20, Decimal("50000000.00"), Decimal("0.1000"), None, 50),
    ("high_growth", 10, Decimal("5000000.00"), Decimal("0.2000"), None, None),
]


def add_rules(apps, schema_editor):
    ClassRule = apps.get_model("enterprises", "ClassRule")
    for code, priority, revenue, growth, financing, employees in DEFAULT_RULES:
        ClassRule.objects.get_or_create(
            enterprise_class=code,
            defaults={
                "priority": priority,
                "min_cumulative_revenue": revenue,
                "min_revenue_growth": growth,
                "min_cumulative_financing": financing,
                "min_employees": employees,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_support_plan_classes_imports")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
