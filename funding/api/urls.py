from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("tranches", views.TrancheViewSet, basename="tranche")
router.register("payouts", views.PayoutViewSet, basename="payout")
router.register("reversals", views.ReversalViewSet, basename="reversal")
router.register("ledger", views.LedgerViewSet, basename="ledgerentry")
router.register("budgets", views.BudgetViewSet, basename="budget")
router.register("approval-limits", views.ApprovalLimitViewSet, basename="approvallimit")
router.register("closed-years", views.ClosedYearViewSet, basename="closedyear")
router.register("exit-flags", views.ExitFlagViewSet, basename="exitflag")
router.register("exit-cases", views.ExitCaseViewSet, basename="exitcase")
router.register("use-of-funds-reports", views.UseOfFundsReportViewSet, basename="useoffundsreport")

urlpatterns = router.urls
