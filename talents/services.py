"""Every write and state transition of the talents app.

Each function is keyword-only, runs inside ``transaction.atomic``, locks the row it moves with
``select_for_update()`` and refuses with a ``DomainError`` (400) or ``ActionNotAllowed`` (403)
whose message names the problem; a refusal leaves nothing half-saved.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.urls import reverse
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit, Role, User
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.workflow import Transition
from qinhuai_talent.notifications.services import notify, office_staff, tell_notices, unit_officers

from . import fit, policies, selectors
from .models import (
    Application,
    ApplicationState,
    Attachment,
    Call,
    DocumentKind,
    Education,
    ExpertDisclosure,
    Industry,
    Objection,
    ObjectionState,
    Program,
    ReviewAssignment,
    ReviewScore,
    RubricCriterion,
    SourceChannel,
    Talent,
)
from .workflows import (
    APPLICATION_WORKFLOW,
    CALL_WORKFLOW,
    OBJECTION_WORKFLOW,
    check_open_for_submission,
    eligibility_problems,
    missing_documents,
    places_taken,
)

__all__ = ["eligibility_problems", "missing_documents", "places_taken"]  # the pages read them here

# Attachments: what may be uploaded, by extension, with the bytes the file must start with.
ALLOWED_UPLOADS = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def attachment_max_bytes() -> int:
    return getattr(settings, "TALENTS_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)


def upload_check(upload: UploadedFile) -> str:
    """The content type of an upload the portal accepts (PDF, PNG or JPEG within the size limit,
    its first bytes what its name says), or a DomainError (``file_type``, ``file_too_large``,
    ``file_forged``) naming the file. Every private upload (an application's documents, a
    use-of-funds report's attachment) passes here."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_UPLOADS:
        raise DomainError(
            _("“%(name)s” is not an accepted file type; upload PDF, PNG or JPEG.") % {"name": upload.name},
            field="file",
            code="file_type",
        )
    limit = attachment_max_bytes()
    if upload.size > limit:
        raise DomainError(
            _("“%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
            % {"name": upload.name, "size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
            field="file",
            code="file_too_large",
        )
    content_type, signatures = ALLOWED_UPLOADS[suffix]
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in signatures):
        raise DomainError(
            _("“%(name)s” does not contain what its name says (not a real %(ext)s file).")
            % {"name": upload.name, "ext": suffix.lstrip(".").upper()},
            field="file",
            code="file_forged",
        )
    return content_type


# ---------------------------------------------------------------- identity numbers


def validate_id_number(value: str) -> str:
    """A Chinese resident ID number (18 characters, correct check digit), normalised; or a DomainError."""
    value = (value or "").strip().upper()
    try:
        return ric.validate(value)
    except stdnum_exceptions.ValidationError:
        raise DomainError(
            _("“%(value)s” is not a valid resident ID number (length, birth date or check digit is wrong).")
            % {"value": value},
            field="id_number",
            code="id_number_invalid",
        ) from None


# ---------------------------------------------------------------- talents


TALENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "nationality",
    "education",
    "professional_title",
    "overseas_experience",
    "field",
    "phone",
    "email",
)


@transaction.atomic
def talent_create(*, actor: User, org_unit: OrgUnit, id_number: str = "", **fields) -> Talent:
    if not access.can_manage_unit(actor, org_unit.pk):
        raise ActionNotAllowed(_("You may register talents only for your own unit."))
    number = validate_id_number(id_number) if id_number else ""
    if number and Talent.objects.filter(id_number=number).exists():
        raise DomainError(_("A talent with this ID number is already registered."), field="id_number")
    talent = Talent(org_unit=org_unit, id_number=number, **{k: v for k, v in fields.items() if k in TALENT_FIELDS})
    if not talent.name.strip():
        raise DomainError(_("Please give the talent's name."), field="name")
    talent.save()
    return talent


@transaction.atomic
def talent_update(
    *, actor: User, talent_id: int, id_number: str | None = None, org_unit: OrgUnit | None = None, **fields
) -> Talent:
    """Change a talent's record: the office, or the officer of the talent's unit. Only the office
    moves a talent to another unit. The change is kept in the talent's history."""
    talent = Talent.objects.select_for_update().get(pk=talent_id)
    if not access.can_manage_unit(actor, talent.org_unit_id):
        raise ActionNotAllowed(_("You may change only your own unit's talents."))
    if org_unit is not None and org_unit.pk != talent.org_unit_id:
        if not access.is_office(actor):
            raise ActionNotAllowed(
                _("Only the district talent office moves a talent to another unit."), field="org_unit"
            )
        if not org_unit.is_field_unit:
            raise DomainError(_("A talent belongs to a street, a park or the innovation group."), field="org_unit")
        talent.org_unit = org_unit
    if id_number is not None:
        number = validate_id_number(id_number) if id_number else ""
        if number and Talent.objects.filter(id_number=number).exclude(pk=talent.pk).exists():
            raise DomainError(
                _("A talent with this ID number is already registered."), field="id_number", code="duplicate"
            )
        talent.id_number = number
    for key, value in fields.items():
        if key in TALENT_FIELDS:
            setattr(talent, key, value)
    if not talent.name.strip():
        raise DomainError(_("Please give the talent's name."), field="name")
    talent._history_user = actor
    talent.save()
    return talent


# ---------------------------------------------------------------- calls


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    label: str
    weight: Decimal
    max_score: int = 100


@transaction.atomic
def call_create(
    *,
    actor: User,
    program: Program,
    year: int,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    quota: int = 0,
    focus_industries: list[Industry] | tuple = (),
    eligibility: dict | None = None,
    required_documents: list[str] | tuple = (),
    min_reviews: int = 2,
    notice_days: int = 15,
    expert_disclosure: str = ExpertDisclosure.NOTHING,
    criteria: list[CriterionSpec] | tuple = (),
) -> Call:
    if not policies.can_manage_calls(actor):
        raise ActionNotAllowed(_("Only the district talent office opens calls."))
    if closes_on < opens_on:
        raise DomainError(_("The call must close on or after the day it opens."), field="closes_on")
    if min_reviews < 1:
        raise DomainError(_("A call needs at least one expert review."), field="min_reviews")
    unknown = set(required_documents) - set(DocumentKind.values)
    if unknown:
        raise DomainError(
            _("Unknown document kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))},
            field="required_documents",
        )
    _check_eligibility_rules(eligibility or {})
    if expert_disclosure not in ExpertDisclosure.values:
        raise DomainError(_("Choose what experts may see of the other reviews."), field="expert_disclosure")
    if Call.objects.filter(program=program, year=year).exists():
        raise DomainError(
            _("%(program)s already has a call for %(year)s.") % {"program": program, "year": year}, field="year"
        )
    call = Call.objects.create(
        program=program,
        year=year,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        quota=quota,
        eligibility=eligibility or {},
        required_documents=list(required_documents),
        min_reviews=min_reviews,
        notice_days=notice_days,
        expert_disclosure=expert_disclosure,
        created_by=actor,
    )
    call.focus_industries.set(focus_industries)
    RubricCriterion.objects.bulk_create(
        RubricCriterion(call=call, code=c.code, label=c.label, weight=Decimal(c.weight), max_score=c.max_score, order=i)
        for i, c in enumerate(criteria)
    )
    return call


ELIGIBILITY_KEYS = {
    "legal_representative",
    "min_own_capital",
    "min_education",
    "senior_title_suffices",
    "max_company_age_years",
    "max_age",
}


def _check_eligibility_rules(rules: dict) -> None:
    unknown = set(rules) - ELIGIBILITY_KEYS
    if unknown:
        raise DomainError(
            _("Unknown eligibility rules: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}, field="eligibility"
        )
    if "min_education" in rules and rules["min_education"] not in Education.values:
        raise DomainError(_("The minimum education must be one of the known degrees."), field="eligibility")
    try:
        Decimal(str(rules.get("min_own_capital", "0")))
        int(rules.get("max_company_age_years", 0))
        int(rules.get("max_age", 0))
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(_("Eligibility limits must be numbers."), field="eligibility") from None


@transaction.atomic
def call_change_quota(*, call_id: int, actor: User, quota: int, reason: str) -> Call:
    """The office sets a call's quota (0: none), with a reason kept in the call's history. It never
    goes below the places already taken."""
    if not policies.can_manage_calls(actor):
        raise ActionNotAllowed(_("Only the district talent office sets a call's quota."))
    call = Call.objects.select_for_update().get(pk=call_id)
    if not reason.strip():
        raise DomainError(_("Please give the reason for changing the quota."), field="reason", code="reason_missing")
    if quota < 0:
        raise DomainError(_("The quota cannot be negative."), field="quota", code="quota_negative")
    taken = places_taken(call)
    if quota and quota < taken:
        raise DomainError(
            _("%(taken)s places of this call are already taken; the quota cannot be lower.") % {"taken": taken},
            field="quota",
            code="quota_below_taken",
        )
    call.quota = quota
    # simple-history keeps who and why with the change (its reason column holds 100 characters).
    call._history_user, call._change_reason = actor, reason.strip()[:100]
    call.save(update_fields=["quota"])
    return call


@transaction.atomic
def call_transition(*, call_id: int, action: str, actor: User, reason: str = "") -> Call:
    call = Call.objects.select_for_update().select_related("program").get(pk=call_id)
    CALL_WORKFLOW.apply(call, action=action, actor=actor, reason=reason)
    return call


# ---------------------------------------------------------------- applications


def industry_fit(*, call: Call, industry: Industry, summary: str) -> tuple[Decimal, dict]:
    """The application's fit to the call's focus industries: ``(score, reasons)`` (``talents.fit``)."""
    return fit.assess(industry=industry, focus=list(call.focus_industries.all()), summary=summary)


APPLICATION_FIELDS = (
    "venture_name",
    "summary",
    "requested_support",
    "source_channel",
    "is_legal_representative",
    "own_paid_in_capital",
    "company_founded_on",
)


@transaction.atomic
def application_create(
    *, actor: User, talent: Talent, call: Call, industry: Industry, org_unit: OrgUnit | None = None, **fields
) -> Application:
    unit = org_unit or talent.org_unit
    if not access.can_manage_unit(actor, unit.pk):
        raise ActionNotAllowed(_("You may file applications only for your own unit."))
    if not unit.is_field_unit:
        raise DomainError(_("The hosting unit must be a street, a park or the innovation group."), field="org_unit")
    if Application.objects.filter(talent=talent, call=call).exists():
        raise DomainError(
            _("%(talent)s has already applied to “%(call)s”; one application per call.")
            % {"talent": talent, "call": call},
            field="call",
            code="duplicate",
        )
    check_open_for_submission(call)
    app = Application(talent=talent, call=call, org_unit=unit, industry=industry, created_by=actor)
    _fill_application(app, fields, APPLICATION_FIELDS)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        raise DomainError(
            _("%(talent)s has already applied to this call.") % {"talent": talent}, field="call"
        ) from None
    return app


@transaction.atomic
def application_update(*, actor: User, application_id: int, industry: Industry | None = None, **fields) -> Application:
    app = Application.objects.select_for_update().select_related("call__program").get(pk=application_id)
    if not policies.is_unit_side(actor, app):
        raise ActionNotAllowed(_("You may change only your own unit's applications."))
    if app.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED):
        raise DomainError(_("Only a draft or a returned application can be changed."), code="invalid_state")
    if industry is not None:
        app.industry = industry
    _fill_application(app, fields, APPLICATION_FIELDS)
    app._history_user = actor
    app.save()
    return app


def _fill_application(app: Application, fields: dict, allowed: tuple[str, ...]) -> None:
    """Set the ``allowed`` fields of ``app`` from ``fields`` and check what every filing checks."""
    for key, value in fields.items():
        if key in allowed:
            setattr(app, key, value)
    app.requested_support = to_money(app.requested_support or 0)
    app.own_paid_in_capital = to_money(app.own_paid_in_capital or 0)
    if app.requested_support < 0 or app.own_paid_in_capital < 0:
        raise DomainError(_("Amounts cannot be negative."), field="requested_support")
    if not app.venture_name.strip():
        raise DomainError(_("Please name the venture."), field="venture_name")
    max_support = app.call.program.max_support
    if max_support is not None and app.requested_support > max_support:
        raise DomainError(
            _("The program supports at most %(max)s yuan.") % {"max": max_support},
            field="requested_support",
            code="above_max_support",
        )
    app.industry_fit, app.industry_fit_reasons = industry_fit(call=app.call, industry=app.industry, summary=app.summary)


# ---------------------------------------------------------------- online application (issue 16, item 4)

# Where the resident ID number a talent gave at self-registration is kept: the self-service app
# registers a reader here when it starts (it depends on talents, not the other way round, as
# funding registers its agreements in ``talents.support``).
IDENTITY_SOURCES: list[Callable[[User], str]] = []
# What the applicant states about themselves on the call's own form (their talent record).
APPLICANT_TALENT_FIELDS = ("education", "professional_title", "birth_date")
# What the applicant fills in of the application (the source channel is their own application).
APPLICANT_FIELDS = tuple(f for f in APPLICATION_FIELDS if f != "source_channel")
EDITABLE_STATES = (ApplicationState.DRAFT, ApplicationState.RETURNED)


def register_identity_source(source: Callable[[User], str]) -> None:
    if source not in IDENTITY_SOURCES:
        IDENTITY_SOURCES.append(source)


def applicant_document_kinds(call: Call) -> list[str]:
    """The documents an applicant may upload to ``call``: those it asks for, and other papers."""
    return [*[k for k in call.required_documents if k in DocumentKind.values], DocumentKind.OTHER]


def _require_applicant(actor: User) -> None:
    if not actor.is_authenticated or actor.role != Role.TALENT:
        raise ActionNotAllowed(_("Only a talent's own account applies online."))


def _check_host_unit(org_unit: OrgUnit | None) -> None:
    if org_unit is None or not org_unit.is_field_unit or not org_unit.active:
        raise DomainError(
            _("Choose the street or park that would host your venture."), field="org_unit", code="host_unit"
        )


def _applicant_record(actor: User, org_unit: OrgUnit) -> Talent:
    """The applicant's talent record, created at their first application (with the ID number they
    gave at registration) when the district kept none for them."""
    talent = Talent.objects.select_for_update().filter(account=actor).first()
    if talent is not None:
        return talent
    number = next((n for source in IDENTITY_SOURCES if (n := source(actor))), "")
    if number and Talent.objects.filter(id_number=number).exists():
        raise DomainError(
            _(
                "The district already keeps a talent record with your ID number; please ask the talent officer "
                "of your street or park to link it to your account."
            ),
            code="identity_taken",
        )
    return Talent.objects.create(
        name=actor.get_full_name() or actor.username,
        phone=getattr(actor, "phone", "") or "",
        email=actor.email or "",
        id_number=number,
        birth_date=ric.get_birth_date(number) if number else None,
        org_unit=org_unit,
        account=actor,
    )


def _set_applicant_talent_fields(talent: Talent, actor: User, fields: dict) -> None:
    changed = [key for key in APPLICANT_TALENT_FIELDS if key in fields and getattr(talent, key) != fields[key]]
    if "birth_date" in changed and talent.id_number:
        changed.remove("birth_date")  # the ID number says it
    if "education" in changed and fields["education"] not in ("", *Education.values):
        raise DomainError(_("Choose your highest degree."), field="education")
    for key in changed:
        setattr(talent, key, fields[key])
    if changed:
        talent._history_user = actor
        talent.save(update_fields=changed)


@transaction.atomic
def applicant_draft(
    *, actor: User, call_id: int, org_unit: OrgUnit | None, industry: Industry, **fields
) -> Application:
    """A talent starts their own application to an open call, hosted by the street or park they
    choose, as a draft (nothing is submitted yet)."""
    _require_applicant(actor)
    call = Call.objects.select_related("program").get(pk=call_id)
    check_open_for_submission(call)
    _check_host_unit(org_unit)
    talent = _applicant_record(actor, org_unit)
    if Application.objects.filter(talent=talent, call=call).exists():
        raise DomainError(
            _("You have already applied to “%(call)s”; your application is under My applications.") % {"call": call},
            field="call",
            code="duplicate",
        )
    _set_applicant_talent_fields(talent, actor, fields)
    app = Application(
        talent=talent,
        call=call,
        org_unit=org_unit,
        industry=industry,
        source_channel=SourceChannel.OWN,
        created_by=actor,
    )
    _fill_application(app, fields, APPLICANT_FIELDS)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        raise DomainError(
            _("You have already applied to “%(call)s”; your application is under My applications.") % {"call": call},
            field="call",
            code="duplicate",
        ) from None
    APPLICATION_WORKFLOW.create(app, actor=actor)
    return app


def _own_application(actor: User, application_id: int) -> Application:
    _require_applicant(actor)
    app = (
        Application.objects.select_for_update()
        .select_related("call__program", "talent")
        .filter(pk=application_id, talent__account=actor)
        .first()
    )
    if app is None:
        raise ActionNotAllowed(_("This is not your application."))
    return app


@transaction.atomic
def applicant_update(
    *,
    actor: User,
    application_id: int,
    industry: Industry | None = None,
    org_unit: OrgUnit | None = None,
    **fields,
) -> Application:
    """The applicant changes their draft, or their application returned for revision; once it is
    submitted it is the reviewers' and changes only when it is returned."""
    app = _own_application(actor, application_id)
    if app.state not in EDITABLE_STATES:
        raise DomainError(
            _(
                "Your application has been submitted and is being reviewed; it can be changed only if it is "
                "returned to you for revision."
            ),
            code="not_editable",
        )
    if org_unit is not None and org_unit.pk != app.org_unit_id:
        if app.state != ApplicationState.DRAFT:
            raise DomainError(
                _("The host street or park is chosen before the first submission."),
                field="org_unit",
                code="host_unit_fixed",
            )
        _check_host_unit(org_unit)
        app.org_unit = org_unit
    if industry is not None:
        app.industry = industry
    _set_applicant_talent_fields(app.talent, actor, fields)
    _fill_application(app, fields, APPLICANT_FIELDS)
    app._history_user = actor
    app.save()
    return app


def submission_problems(app: Application) -> list[str]:
    """What stands between ``app`` and its submission, each as a sentence: the deadline, every
    eligibility rule it fails, every document missing (empty: it can be submitted)."""
    problems = []
    try:
        check_open_for_submission(app.call)
    except DomainError as exc:
        problems.append(str(exc.message))
    problems += eligibility_problems(app)
    missing = missing_documents(app)
    if missing:
        problems.append(_("Required documents are missing: %(docs)s.") % {"docs": "、".join(missing)})
    return problems


@transaction.atomic
def applicant_submit(*, actor: User, application_id: int, reply: str = "") -> Application:
    """The applicant submits their draft, or answers a return for revision with their changes and a
    reply (kept in the application's log, where the officer reads it)."""
    app = _own_application(actor, application_id)
    if app.state == ApplicationState.RETURNED and not reply.strip():
        raise DomainError(_("Please reply to the officer: say what you changed."), field="reply", code="reply_missing")
    return application_transition(application_id=app.pk, action="submit", actor=actor, reason=reply.strip())


@transaction.atomic
def applicant_withdraw(*, actor: User, application_id: int, reason: str) -> Application:
    """The applicant withdraws before a decision, saying why."""
    app = _own_application(actor, application_id)
    return application_transition(application_id=app.pk, action="withdraw", actor=actor, reason=reason)


@transaction.atomic
def application_transition(
    *,
    application_id: int,
    action: str,
    actor: User,
    reason: str = "",
    origin: str = "",
    confirm_double_funding: bool = False,
) -> Application:
    """Move an application along the pipeline: ``workflows.APPLICATION_WORKFLOW`` checks the step
    (who, from which state, the rules on the data), stamps what it writes and runs its effect;
    ``origin`` and ``confirm_double_funding`` are an approval's."""
    app = (
        Application.objects.select_for_update()
        .select_related("call__program", "talent", "org_unit")
        .get(pk=application_id)
    )
    entry = APPLICATION_WORKFLOW.apply(
        app,
        action=action,
        actor=actor,
        reason=reason,
        params={"origin": origin, "confirm_double_funding": confirm_double_funding},
    )
    tell_of_transition(
        app, APPLICATION_WORKFLOW.get(action), reason=reason, key=f"application:{app.pk}:{action}:{entry.pk}"
    )
    return app


def tell_of_transition(app: Application, transition: Transition, *, reason: str, key: str) -> None:
    """Send the notices the step declares (``Transition.notices``), each to its audience: the
    applicant (who opens their own page, the back office's is not theirs) or the unit's officers."""
    tell_notices(
        transition.notices,
        app,
        audiences={
            "applicant": lambda: ([app.talent.account_id], reverse("talents:my-application", args=[app.pk])),
            "unit": lambda: (unit_officers(app.org_unit_id), reverse("talents:application-detail", args=[app.pk])),
        },
        params={"call": app.call, "venture": app.venture_name, "talent": app.talent.name, "unit": app.org_unit},
        key=key,
        reason=reason,
    )


@transaction.atomic
def defense_record_vote(
    *, application_id: int, actor: User, votes_for: int, votes_against: int, abstentions: int = 0
) -> Application:
    app = Application.objects.select_for_update().select_related("call__program").get(pk=application_id)
    if not policies.is_selector(actor, app):
        raise ActionNotAllowed(_("You may not record the panel's vote for this application."))
    if app.state != ApplicationState.DEFENSE:
        raise DomainError(
            _("The vote is recorded while the application is at the panel defense."), code="invalid_state"
        )
    if min(votes_for, votes_against, abstentions) < 0 or votes_for + votes_against + abstentions == 0:
        raise DomainError(_("Votes must be whole numbers, at least one cast."), field="votes_for")
    app.defense_votes_for, app.defense_votes_against, app.defense_abstentions = votes_for, votes_against, abstentions
    app.save(update_fields=["defense_votes_for", "defense_votes_against", "defense_abstentions"])
    return app


# ---------------------------------------------------------------- attachments


@transaction.atomic
def attachment_add(*, actor: User, application_id: int, kind: str, upload: UploadedFile) -> Attachment:
    app = Application.objects.select_for_update().select_related("call").get(pk=application_id)
    if not policies.is_applicant_side(actor, app):
        raise ActionNotAllowed(_("You may add documents only to your own unit's applications."))
    if app.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED):
        raise DomainError(
            _("Documents can be added only while the application is a draft or returned."), code="not_editable"
        )
    if kind not in DocumentKind.values:
        raise DomainError(_("Choose which document this is."), field="kind")
    if policies.is_own_applicant(actor, app) and kind not in applicant_document_kinds(app.call):
        raise DomainError(_("This call does not ask for this document."), field="kind", code="kind_not_asked")
    content_type = upload_check(upload)
    attachment = Attachment(
        application=app,
        kind=kind,
        original_name=PurePath(upload.name).name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    # If the row cannot be written, the stored file must not linger.
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


# ---------------------------------------------------------------- expert review


@transaction.atomic
def review_assign(
    *, application_id: int, expert: User, actor: User, despite_conflict: bool = False
) -> ReviewAssignment:
    """Assign ``expert`` to review the application. A conflict of interest (``review_conflicts``)
    refuses the assignment unless the assigner, having been shown it, assigns despite it; the
    conflict shown is kept on the assignment."""
    app = Application.objects.select_for_update().select_related("call__program").get(pk=application_id)
    if not policies.can_assign_experts(actor, app):
        raise ActionNotAllowed(_("You may not assign experts to this application."))
    if expert.role != Role.EXPERT or not expert.is_active:
        raise DomainError(
            _("%(user)s is not an active expert reviewer.") % {"user": expert}, field="expert", code="not_an_expert"
        )
    if app.state != ApplicationState.EXPERT_REVIEW:
        raise DomainError(_("Experts are assigned while the application is in expert review."), code="invalid_state")
    if ReviewAssignment.objects.filter(application=app, expert=expert).exists():
        raise DomainError(
            _("%(user)s is already assigned to this application.") % {"user": expert},
            field="expert",
            code="already_assigned",
        )
    conflicts = selectors.review_conflicts([app], [expert]).get((app.pk, expert.pk), [])
    if conflicts and not despite_conflict:
        raise DomainError(
            _("%(user)s has a conflict of interest with this application: %(reasons)s.")
            % {"user": expert, "reasons": "; ".join(conflicts)},
            field="expert",
            code="conflict_of_interest",
        )
    assignment = ReviewAssignment.objects.create(
        application=app, expert=expert, assigned_by=actor, conflict_flagged="; ".join(conflicts)
    )
    notify(
        event="review_assigned",
        recipients=[expert],
        key=f"review:{assignment.pk}:assigned",
        params={"call": app.call, "due": assignment.due_on.isoformat()},
        url=reverse("talents:expert-queue"),
    )
    return assignment


def reviews_remind_due(*, within_days: int = 3) -> int:
    """Tell each expert once of every review not submitted that falls due within ``within_days``
    (beat, daily); returns the number of reminders written."""
    from qinhuai_talent.notifications.services import Message, notify_many

    latest_assigned = clock.now() - datetime.timedelta(days=settings.REVIEW_DUE_DAYS - within_days)
    due = (
        ReviewAssignment.objects.filter(
            submitted_at__isnull=True,
            conflict_declared=False,
            assigned_at__lte=latest_assigned,
            application__state=ApplicationState.EXPERT_REVIEW,
        )
        .select_related("application__call")
        .order_by("pk")
    )
    url = reverse("talents:expert-queue")
    messages = [
        Message(
            recipients=[a.expert_id],
            key=f"review:{a.pk}:due",
            params={"call": a.application.call, "due": a.due_on.isoformat()},
            url=url,
        )
        for a in due
    ]
    return notify_many(event="review_due", messages=messages)


def _own_assignment(assignment_id: int, actor: User) -> ReviewAssignment:
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("application__call")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or assignment.expert_id != actor.pk:
        raise ActionNotAllowed(_("This application is not assigned to you for review."))
    if assignment.application.state != ApplicationState.EXPERT_REVIEW:
        raise DomainError(_("The application is no longer in expert review."), code="invalid_state")
    return assignment


@transaction.atomic
def review_declare_conflict(*, assignment_id: int, actor: User, reason: str) -> ReviewAssignment:
    """回避: the expert steps aside; their assignment no longer counts and can never be scored."""
    assignment = _own_assignment(assignment_id, actor)
    if assignment.submitted_at is not None:
        raise DomainError(_("You have already submitted your scores for this application."))
    if not reason.strip():
        raise DomainError(_("Please say what the conflict of interest is."), field="reason")
    assignment.conflict_declared = True
    assignment.conflict_reason = reason
    assignment.save(update_fields=["conflict_declared", "conflict_reason"])
    return assignment


@transaction.atomic
def review_submit(*, assignment_id: int, actor: User, scores: dict[str, object], comment: str = "") -> ReviewAssignment:
    """Score every rubric criterion (by code); the weighted total is out of 100."""
    assignment = _own_assignment(assignment_id, actor)
    if assignment.conflict_declared:
        raise ActionNotAllowed(_("You declared a conflict of interest on this application and may not score it."))
    if assignment.submitted_at is not None:
        raise DomainError(_("You have already submitted your scores for this application."))
    criteria = list(assignment.application.call.criteria.all())
    missing = [c.label for c in criteria if c.code not in scores]
    if missing:
        raise DomainError(_("Please score every criterion: %(names)s.") % {"names": "、".join(missing)}, field="scores")
    unknown = set(scores) - {c.code for c in criteria}
    if unknown:
        raise DomainError(_("Unknown criteria: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}, field="scores")
    rows, weighted, weights = [], Decimal("0"), Decimal("0")
    for c in criteria:
        try:
            value = Decimal(str(scores[c.code]))
        except (InvalidOperation, TypeError, ValueError):
            raise DomainError(
                _("The score for “%(name)s” is not a number.") % {"name": c.label}, field="scores"
            ) from None
        if not value.is_finite() or value < 0 or value > c.max_score:
            raise DomainError(
                _("The score for “%(name)s” must be between 0 and %(max)s.") % {"name": c.label, "max": c.max_score},
                field="scores",
            )
        rows.append(ReviewScore(assignment=assignment, criterion=c, score=value.quantize(Decimal("0.01"))))
        weighted += value / c.max_score * c.weight
        weights += c.weight
    ReviewScore.objects.bulk_create(rows)
    assignment.total = (weighted / weights * 100).quantize(Decimal("0.01")) if weights else Decimal("0.00")
    assignment.comment = comment
    assignment.submitted_at = clock.now()
    assignment.save(update_fields=["total", "comment", "submitted_at"])
    _refresh_score(assignment.application_id)
    return assignment


def _refresh_score(application_id: int) -> None:
    avg = ReviewAssignment.objects.filter(
        application_id=application_id, submitted_at__isnull=False, conflict_declared=False
    ).aggregate(v=Avg("total"))["v"]
    Application.objects.filter(pk=application_id).update(
        score=Decimal(avg).quantize(Decimal("0.01")) if avg is not None else None
    )


# ---------------------------------------------------------------- public notice


@transaction.atomic
def objection_record(
    *, application_id: int, actor: User, content: str, received_on: datetime.date | None = None, raised_by: str = ""
) -> Objection:
    app = Application.objects.select_for_update().get(pk=application_id)
    if not policies.can_record_objection(actor, app):
        raise ActionNotAllowed(_("Only the district talent office records objections."))
    if app.state != ApplicationState.PUBLIC_NOTICE:
        raise DomainError(_("Objections are recorded during the public notice."), code="invalid_state")
    if not content.strip():
        raise DomainError(_("Please record what the objection says."), field="content")
    objection = OBJECTION_WORKFLOW.create_record(
        actor=actor,
        action="record",
        application=app,
        content=content,
        raised_by=raised_by,
        received_on=received_on or clock.today(),
        recorded_by=actor,
    )
    notify(
        event="objection_filed",
        recipients=office_staff(),
        key=f"objection:{objection.pk}:filed",
        params={"call": app.call, "talent": app.talent.name},
        url=reverse("talents:application-detail", args=[app.pk]),
    )
    return objection


@transaction.atomic
def objection_resolve(*, objection_id: int, actor: User, upheld: bool, resolution: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("application").get(pk=objection_id)
    if not policies.can_record_objection(actor, objection.application):
        raise ActionNotAllowed(_("Only the district talent office resolves objections."))
    if objection.state != ObjectionState.OPEN:
        raise DomainError(_("This objection has already been resolved."), code="invalid_state")
    if not resolution.strip():
        raise DomainError(_("Please record the investigation's findings."), field="resolution")
    objection.resolution = resolution
    objection.resolved_by = actor
    objection.resolved_at = clock.now()
    OBJECTION_WORKFLOW.apply(
        objection,
        action="uphold" if upheld else "dismiss",
        actor=actor,
        reason=resolution,
        extra_fields=("resolution", "resolved_by", "resolved_at"),
    )
    return objection
