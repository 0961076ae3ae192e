"""A digest of the tables a recompute writes, to compare two runs' end states."""

import hashlib
import json

from funding.models import ExitFlag, Milestone, Payout, Tranche


def funding_digest() -> str:
    rows = {
        "payouts": sorted(
            (p["tranche_id"], p["state"], f"{p['amount']:.2f}", f"{p['factor']:.4f}", p["approver_level"])
            for p in Payout.objects.values("tranche_id", "state", "amount", "factor", "approver_level")
        ),
        "tranches": sorted(Tranche.objects.values_list("pk", "state")),
        "milestones": sorted((m[0], m[1], str(m[2])) for m in Milestone.objects.values_list("pk", "met", "met_on")),
        "flags": sorted(ExitFlag.objects.values_list("agreement_id", "rule", "state")),
    }
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


def reset_recompute_outputs() -> None:
    """Back to the state before any recompute of freshly created agreements."""
    Payout.objects.all().delete()
    Tranche.objects.update(state="waiting")
    Milestone.objects.exclude(kind="manual").update(met=False, met_on=None)
