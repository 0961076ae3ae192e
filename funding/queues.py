"""The funding app's work queues (``qinhuai_talent.core.bulk``): the approver's payouts and
finance's payments. Each bulk action is the single button's service, record by record."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from qinhuai_talent.core.access import is_office, is_unit_officer
from qinhuai_talent.core.bulk import BulkAction, Column, Filter, Queue, RowInput
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit

from . import policies, selectors, services
from .models import ApproverLevel
from .workflows import PAYOUT_WORKFLOW


def _approve(*, actor, obj, reason: str = "") -> None:
    services.payout_approve(actor=actor, payout_id=obj.pk)


def _return(*, actor, obj, reason: str) -> None:
    services.payout_return(actor=actor, payout_id=obj.pk, reason=reason)


def _pay(*, actor, obj, reason: str = "", voucher: str = "") -> str | None:
    entry, created = services.payout_pay(actor=actor, payout_id=obj.pk, voucher=voucher)
    if created:
        return None
    return _("This payout was already paid (voucher %(v)s); nothing was recorded twice.") % {"v": entry.voucher}


def _name(p) -> str:
    return f"{p.agreement.number} #{p.tranche.sequence}"


def _link(p) -> str:
    return reverse("funding:payout-detail", args=[p.pk])


def _units(user) -> list[tuple[str, object]]:
    units = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
    if is_unit_officer(user) and not is_office(user):
        units = units.filter(pk=user.org_unit_id)
    return [(str(u.pk), u.name) for u in units.order_by("kind", "code")]


UNIT_FILTER = Filter("unit", gettext_lazy("Unit"), _units, lambda qs, v: qs.filter(org_unit_id=int(v)))
LEVEL_FILTER = Filter(
    "level",
    gettext_lazy("Approver"),
    lambda user: list(ApproverLevel.choices),
    lambda qs, v: qs.filter(approver_level=v),
)
COLUMNS = (
    Column(gettext_lazy("Enterprise"), lambda p: p.agreement.enterprise.name),
    Column(gettext_lazy("Unit"), lambda p: p.org_unit),
    Column(gettext_lazy("Amount (yuan)"), lambda p: f"{p.amount:,.2f}", numeric=True),
    Column(gettext_lazy("Approver"), lambda p: p.get_approver_level_display()),
)

APPROVAL_QUEUE = Queue(
    key="funding.to_approve",
    title=gettext_lazy("Payouts awaiting your approval"),
    intro=gettext_lazy(
        "A unit's officers approve up to the unit's delegated limit, the district office above it; "
        "a payout above your limit is refused with the reason and left as it was."
    ),
    workflow=PAYOUT_WORKFLOW,
    may_see=lambda user: policies.approver_queue_level(user) is not None,
    listed=lambda user: selectors.approval_queue(user).prefetch_related("tranche__milestones"),
    scope=selectors.payouts_for,
    actions=(
        BulkAction("approve", gettext_lazy("Approve"), _approve),
        BulkAction("return", pgettext_lazy("payout", "Return"), _return, needs_reason=True, css="btn-outline-danger"),
    ),
    name=_name,
    link=_link,
    columns=COLUMNS,
    filters=(UNIT_FILTER,),
    single=("approve", lambda p: reverse("funding:payout-approve", args=[p.pk])),
)

PAYMENT_QUEUE = Queue(
    key="funding.to_pay",
    title=gettext_lazy("Approved payouts awaiting payment"),
    intro=gettext_lazy(
        "Type each payment's voucher number in its row. A payout already paid is never paid twice; "
        "nobody records the payment of a payout they prepared or approved."
    ),
    workflow=PAYOUT_WORKFLOW,
    may_see=policies.is_finance,
    listed=lambda user: selectors.finance_queue(user).prefetch_related("tranche__milestones"),
    scope=selectors.payouts_for,
    actions=(
        BulkAction(
            "pay",
            gettext_lazy("Record payment"),
            _pay,
            inputs=(RowInput("voucher", gettext_lazy("Voucher number")),),
            css="btn-success",
        ),
    ),
    name=_name,
    link=_link,
    columns=(*COLUMNS[:3], Column(gettext_lazy("Approved by"), lambda p: p.approved_by or "—")),
    filters=(UNIT_FILTER, LEVEL_FILTER),
    single_link=gettext_lazy("Record payment"),
)
