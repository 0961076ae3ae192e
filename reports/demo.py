"""The demo's inboxes (issue 16, item 7), run last by ``seed_demo``: a few notifications for every
demo account the earlier loaders told nothing, about records of the demo district, through the one
service (``notify`` and the apps' own notices), as the events would have told them. Keys name the
occurrence, so seeding again tells nobody twice.

The other accounts hear of their work as the loaders run (payouts waiting, exit flags, assessments
published, the applicant's return); the experts, finance, leadership and the enterprise account
(linked to its enterprise after its milestones were met and its payouts paid) are told here.
"""

from django.urls import reverse

from assessment.models import Assessment, AssessmentState
from funding import notices
from funding.models import Milestone, Payout, PayoutState
from qinhuai_talent.core.models import User
from qinhuai_talent.core.money import to_money
from qinhuai_talent.notifications.services import notify
from talents.models import ApplicationState, ReviewAssignment

FEW = 3


def seed(stdout) -> None:
    users = {
        u.username: u for u in User.objects.filter(username__in=["expert", "expert2", "expert3", "finance", "leader"])
    }
    told = 0
    # Experts: the applications waiting for their scores.
    for name in ("expert", "expert2", "expert3"):
        expert = users.get(name)
        pending = (
            ReviewAssignment.objects.filter(
                expert=expert,
                submitted_at__isnull=True,
                conflict_declared=False,
                application__state=ApplicationState.EXPERT_REVIEW,
            )
            .select_related("application__call")
            .order_by("pk")[:FEW]
        )
        for a in pending:
            told += notify(
                event="review_assigned",
                recipients=[expert],
                key=f"review:{a.pk}:assigned",
                params={"call": a.application.call, "due": a.due_on.isoformat()},
                url=reverse("talents:expert-queue"),
            )
    # Finance: approved payouts waiting for payment.
    if "finance" in users:
        approved = Payout.objects.filter(state=PayoutState.APPROVED).select_related("agreement", "tranche")
        for p in approved.order_by("pk")[:FEW]:
            told += notify(
                event="payout_approved",
                recipients=[users["finance"]],
                key=f"payout:{p.pk}:approved:finance",
                params={
                    "agreement": p.agreement.number,
                    "tranche": p.tranche.sequence,
                    "amount": f"{to_money(p.amount):,.2f}",
                },
                url=reverse("funding:finance-queue"),
            )
    # Leadership: the assessments published.
    if "leader" in users:
        published = Assessment.objects.filter(state=AssessmentState.PUBLISHED).select_related("org_unit")
        for a in published.order_by("-year", "rank", "pk")[:FEW]:
            told += notify(
                event="assessment_published",
                recipients=[users["leader"]],
                key=f"assessment:{a.pk}:published:leader",
                params={
                    "year": a.year,
                    "unit": a.org_unit,
                    "score": str(a.total),
                    "grade": {"zh-hans": a.grade_band, "en": a.grade_band_en or a.grade_band},
                },
                url=reverse("assessment:assessment-detail", args=[a.pk]),
            )
    # The enterprise account: its milestones met and its payouts paid, told now that it is linked.
    account = User.objects.filter(username="enterprise").first()
    if account is not None:
        met = Milestone.objects.filter(met=True, tranche__agreement__enterprise__account=account)
        told += notices.milestones_met(met.order_by("pk").values_list("pk", flat=True)[:FEW])
        paid = Payout.objects.filter(state=PayoutState.PAID, agreement__enterprise__account=account)
        for p in paid.select_related("agreement__enterprise", "tranche").order_by("pk")[:FEW]:
            told += notices.payout_moved(p, event="payout_paid", key=f"payout:{p.pk}:paid", voucher=p.voucher)
    stdout.write(f"notifications: {told} more for the demo accounts")
