"""Reference data and records in the admin, for the office's support staff; states move only through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Application, Call, ExpertProfile, Industry, Objection, Program, RubricCriterion, Talent, Title


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "leading", "order"]


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "track", "has_defense", "selection_authority"]
    list_filter = ["level", "track"]


class CriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


@admin.register(Call)
class CallAdmin(SimpleHistoryAdmin):
    list_display = ["title", "program", "year", "state", "opens_on", "closes_on", "quota"]
    list_filter = ["year", "state", "program__level"]
    readonly_fields = ["state"]
    inlines = [CriterionInline]


@admin.register(Talent)
class TalentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "org_unit", "education", "field"]
    list_filter = ["org_unit", "education"]
    search_fields = ["name"]
    list_select_related = ["org_unit"]


@admin.register(Title)
class TitleAdmin(SimpleHistoryAdmin):
    list_display = ["talent", "program", "year", "origin", "org_unit"]
    list_filter = ["program", "origin", "year"]
    list_select_related = ["talent", "program", "org_unit"]
    raw_id_fields = ["talent", "application"]


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["venture_name", "talent", "call", "org_unit", "state", "score", "industry_fit"]
    list_filter = ["state", "call__year", "call__program"]
    list_select_related = ["talent", "call", "org_unit"]
    readonly_fields = ["state", "score", "industry_fit", "industry_fit_explanation", "submitted_at", "decided_at"]
    exclude = ["industry_fit_reasons"]
    raw_id_fields = ["talent"]


@admin.register(Objection)
class ObjectionAdmin(SimpleHistoryAdmin):
    list_display = ["application", "received_on", "state"]
    list_filter = ["state"]
    raw_id_fields = ["application"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "employer", "employer_unit", "employer_credit_code"]
    filter_horizontal = ["fields"]
    search_fields = ["user__last_name", "user__first_name", "employer"]
