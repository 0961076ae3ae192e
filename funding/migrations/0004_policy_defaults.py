"""Policy defaults of DOMAIN.md as editable data: performance factors, exit rules, plan templates."""

from django.db import migrations

FACTORS = {"A": "1.0000", "B": "0.8000", "C": "0.5000", "D": "0.0000"}
# rule: parameter (quarters, months or days; 0 where the rule has none)
EXIT_RULES = {
    "missing_reports": 2,
    "moved_out": 0,
    "founder_not_full_time": 6,
    "milestone_overdue": 180,
    "poor_evaluation": 2,
    "no_revenue": 24,
}
TEMPLATES = [
    (
        "startup_30_40_30",
        "创业资金30/40/30分期",
        "Startup grant 30/40/30",
        [
            {"share": "30", "months": 0, "milestones": [{"kind": "registered"}, {"kind": "moved_in"}]},
            {"share": "40", "months": 12, "milestones": [{"kind": "revenue", "threshold": "1000000.00"}]},
            {
                "share": "30",
                "months": 24,
                "milestones": [{"kind": "grade", "grade": "B"}, {"kind": "use_of_funds"}],
            },
        ],
    ),
    (
        "three_years_4_3_3",
        "三年4:3:3分期",
        "4:3:3 over three years",
        [
            {"share": "40", "months": 0, "milestones": [{"kind": "registered"}, {"kind": "paid_in_capital", "threshold": "1000000.00"}]},
            {"share": "30", "months": 12, "milestones": [{"kind": "date"}, {"kind": "use_of_funds"}]},
            {"share": "30", "months": 24, "milestones": [{"kind": "date"}, {"kind": "grade", "grade": "C"}, {"kind": "use_of_funds"}]},
        ],
    ),
]


def forwards(apps, schema_editor):
    PerformanceFactor = apps.get_model("funding", "PerformanceFactor")
    ExitRuleSetting = apps.get_model("funding", "ExitRuleSetting")
    PlanTemplate = apps.get_model("funding", "PlanTemplate")
    for grade, factor in FACTORS.items():
        PerformanceFactor.objects.get_or_create(grade=grade, defaults={"factor": factor})
    for rule, parameter in EXIT_RULES.items():
        ExitRuleSetting.objects.get_or_create(rule=rule, defaults={"parameter": parameter})
    for code, name, name_en, steps in TEMPLATES:
        PlanTemplate.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "steps": steps})


class Migration(migrations.Migration):
    dependencies = [("funding", "0003_policy_tables")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
