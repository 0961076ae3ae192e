"""The industry fit's explanation is kept as reasons (codes and names in both languages) and worded
for each reader, instead of as text in the language of whoever submitted the application."""

from django.db import migrations, models

from talents.fit import assess


def reasons_from_the_calls(apps, schema_editor):
    Application = apps.get_model("talents", "Application")
    focus: dict[int, list] = {}
    assessed = Application.objects.exclude(industry_fit=None).select_related("industry")
    for app in assessed.iterator(chunk_size=500):
        if app.call_id not in focus:
            call = app.call
            focus[app.call_id] = list(call.focus_industries.all())
        _score, reasons = assess(industry=app.industry, focus=focus[app.call_id], summary=app.summary)
        Application.objects.filter(pk=app.pk).update(industry_fit_reasons=reasons)


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0005_pipeline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="industry_fit_reasons",
            field=models.JSONField(blank=True, default=dict, verbose_name="industry fit reasons"),
        ),
        migrations.AddField(
            model_name="historicalapplication",
            name="industry_fit_reasons",
            field=models.JSONField(blank=True, default=dict, verbose_name="industry fit reasons"),
        ),
        migrations.RunPython(reasons_from_the_calls, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="application",
            name="industry_fit_explanation",
        ),
        migrations.RemoveField(
            model_name="historicalapplication",
            name="industry_fit_explanation",
        ),
    ]
