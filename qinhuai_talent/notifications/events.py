"""Every event the portal tells people about: its subject and text, in the recipient's language.

``notify(event=...)`` accepts only a code registered here. Parameters are stored as given; a
parameter that is not a plain value (a model, a translatable label) is stored in both languages
at the time of the event, so a message reads the same later and in either language.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Channel

ALL_CHANNELS = (Channel.INBOX, Channel.EMAIL, Channel.SMS)


@dataclass(frozen=True)
class Event:
    code: str
    subject: object
    body: object
    channels: tuple[str, ...] = ALL_CHANNELS
    # Sent whatever the recipient's preferences say (a one-time code must reach them).
    mandatory: bool = False


EVENTS: dict[str, Event] = {}


def _event(code: str, subject, body, **kwargs) -> None:
    EVENTS[code] = Event(code=code, subject=subject, body=body, **kwargs)


_event(
    "account_code",
    _("Your verification code"),
    _("Your verification code for the Qinhuai Talent Portal is %(code)s. It is valid for %(minutes)s minutes."),
    channels=(Channel.EMAIL, Channel.SMS),
    mandatory=True,
)
_event(
    "account_invited",
    _("You are invited to the Qinhuai Talent Portal"),
    _("%(inviter)s invites you to the portal as %(whose)s. Your invitation code is %(code)s."),
    channels=(Channel.EMAIL, Channel.SMS),
    mandatory=True,
)
_event(
    "enterprise_claim_pending",
    _("Enterprise claim waiting for confirmation"),
    _("%(name)s has registered as the account of %(enterprise)s; please confirm or refuse the claim."),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "enterprise_claim_decided",
    _("Your enterprise claim"),
    _("Your claim on %(enterprise)s: %(outcome)s. %(reason)s"),
)
_event(
    "application_received",
    _("Application received"),
    _("Your application to “%(call)s” (%(venture)s) has been received by %(unit)s."),
)
_event(
    "application_returned",
    _("Application returned for revision"),
    _("Your application to “%(call)s” was returned for revision: %(reason)s"),
)
_event(
    "application_withdrawn",
    _("Application withdrawn"),
    _("The application of %(talent)s to “%(call)s” has been withdrawn."),
)
_event(
    "application_decided",
    _("Decision on your application"),
    _("The decision on your application to “%(call)s”: %(outcome)s."),
)
_event(
    "application_new_in_unit",
    _("New application in your unit"),
    _("%(talent)s submitted an application to “%(call)s” (%(venture)s) for preliminary review."),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "review_assigned",
    _("Application assigned to you for review"),
    _("An application to “%(call)s” has been assigned to you for expert review; please score it by %(due)s."),
)
_event(
    "review_due",
    _("Expert review due soon"),
    _("Your review of an application to “%(call)s” is due on %(due)s."),
)
_event(
    "notice_started",
    _("Public notice started"),
    _("Your application to “%(call)s” is in public notice (公示) from %(starts)s to %(ends)s."),
)
_event(
    "objection_filed",
    _("Objection recorded"),
    _("An objection to the application of %(talent)s to “%(call)s” was recorded and awaits investigation."),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "filing_window_open",
    _("Quarterly filing window open"),
    _("The filing window for %(period)s is open until %(closes)s: please file %(enterprise)s's operating data."),
)
_event(
    "filing_window_closing",
    _("5 days left to file"),
    _("%(days)s days left: the filing window for %(period)s closes on %(closes)s; %(enterprise)s has not filed yet."),
)
_event(
    "filing_late",
    _("Quarterly filing late"),
    _(
        "The filing window for %(period)s closed on %(closes)s without %(enterprise)s's operating data; "
        "please file it now."
    ),
)
_event(
    "milestone_met",
    _("Milestone met"),
    _("Agreement %(agreement)s: the milestone “%(milestone)s” is met."),
)
_event(
    "use_of_funds_submitted",
    _("Use-of-funds report submitted"),
    _(
        "%(enterprise)s submitted the use-of-funds report of agreement %(agreement)s, tranche %(tranche)s "
        "(%(amount)s yuan used); please check and accept it."
    ),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "use_of_funds_accepted",
    _("Use-of-funds report accepted"),
    _("Agreement %(agreement)s, tranche %(tranche)s: your use-of-funds report has been accepted."),
)
_event(
    "payout_waiting",
    _("Payout waiting for your approval"),
    _("Agreement %(agreement)s, tranche %(tranche)s: a payout of %(amount)s yuan waits for approval."),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "payout_approved",
    _("Payout approved"),
    _("Agreement %(agreement)s, tranche %(tranche)s: a payout of %(amount)s yuan has been approved."),
)
_event(
    "payout_returned",
    _("Payout returned"),
    _("Agreement %(agreement)s, tranche %(tranche)s: the payout of %(amount)s yuan was returned: %(reason)s"),
)
_event(
    "payout_paid",
    _("Payout paid"),
    _("Agreement %(agreement)s, tranche %(tranche)s: %(amount)s yuan has been paid (voucher %(voucher)s)."),
)
_event(
    "exit_flag_raised",
    _("Exit flag raised"),
    _("Agreement %(agreement)s of %(enterprise)s is flagged: %(rule)s. Unpaid tranches are held."),
)
_event(
    "exit_case_opened",
    _("Exit case opened"),
    _("An exit case has been opened on agreement %(agreement)s of %(enterprise)s."),
)
_event(
    "assessment_published",
    _("Assessment published"),
    _("The %(year)s assessment of %(unit)s is published: score %(score)s, %(grade)s."),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "service_request_to_assign",
    _("Service request to assign"),
    _("Service request #%(number)s of %(enterprise)s (%(category)s) has no provider yet: please assign one."),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "service_request_assigned",
    _("New service request for your organisation"),
    _(
        "Service request #%(number)s of %(enterprise)s (%(category)s) has been routed to %(provider)s: "
        "please accept or decline it by %(due)s."
    ),
)
_event(
    "service_request_accepted",
    _("Service request accepted"),
    _("%(provider)s has accepted service request #%(number)s (%(category)s) and is to deliver it by %(due)s."),
)
_event(
    "service_request_declined",
    _("Service request declined"),
    _(
        "%(provider)s has declined service request #%(number)s of %(enterprise)s (%(category)s): %(reason)s. "
        "It waits to be assigned to another provider."
    ),
)
_event(
    "service_request_delivered",
    _("Service delivered: please rate it"),
    _(
        "%(provider)s has delivered service request #%(number)s (%(category)s): %(note)s "
        "Please close it with your rating."
    ),
)
_event(
    "service_request_closed",
    _("Service request rated"),
    _("Service request #%(number)s of %(enterprise)s has been closed with a rating of %(rating)s of 5."),
)
_event(
    "service_request_cancelled",
    _("Service request cancelled"),
    _("Service request #%(number)s of %(enterprise)s (%(category)s) has been cancelled: %(reason)s"),
)
_event(
    "service_request_overdue",
    _("Service request overdue"),
    _(
        "Service request #%(number)s of %(enterprise)s (%(category)s, %(provider)s) is overdue: "
        "its step was due on %(due)s."
    ),
    channels=(Channel.INBOX, Channel.EMAIL),
)
_event(
    "job_finished",
    _("Job finished"),
    _("The job “%(kind)s” (#%(job)s) has finished."),
    channels=(Channel.INBOX,),
)
_event(
    "job_failed",
    _("Job failed"),
    _("The job “%(kind)s” (#%(job)s) failed: %(message)s"),
    channels=(Channel.INBOX, Channel.EMAIL),
)

_event(
    "audit_failed",
    _("Audit verification found problems"),
    _("The verification of the audit chains (job #%(job)s) found %(problems)s problem(s), the first: %(first)s"),
    channels=(Channel.INBOX, Channel.EMAIL),
    mandatory=True,
)


LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class Said:
    """A parameter computed in each language (``Said(lambda: milestone.requirement)``)."""

    def __init__(self, compute):
        self.compute = compute

    def __str__(self) -> str:
        return str(self.compute())


def freeze(value):
    """A parameter as stored: plain values as they are, anything else in every language."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):  # already one text per language
        return {str(k): str(v) for k, v in value.items()}
    frozen = {}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            frozen[code] = str(value)
    return frozen


def _in_language(value, language: str):
    if isinstance(value, dict):
        return value.get(language) or value.get(settings.LANGUAGE_CODE) or next(iter(value.values()), "")
    return "" if value is None else value


def render(event: str, params: dict, language: str | None = None) -> tuple[str, str]:
    """(subject, text) of an event in ``language`` (default: the active one)."""
    spec = EVENTS.get(event)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        if spec is None:
            return event, ""
        values = {k: _in_language(v, language) for k, v in (params or {}).items()}
        try:
            body = str(spec.body) % values
        except (KeyError, TypeError, ValueError):
            body = str(spec.body)
        return str(spec.subject), body
