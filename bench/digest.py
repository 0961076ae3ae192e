"""Digests of what a recompute decides, so the engine, the naive loop and the floor can be compared.

Payouts: every milestone's ``met``/``met_on``, every tranche's state, and each unpaid tranche's
payout (amount, factor, approver level, state, preparer) of the given agreements.
Exit flags: the open flags (agreement, rule, evidence key) and the tranche and payout states
the holds leave.
"""

# The SQL here is assembled from fixed fragments only; values travel as parameters.
# ruff: noqa: S608

import hashlib

from django.db import connection


def _hash(sql: str, params) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(10_000):
            for r in rows:
                h.update(repr(tuple(str(v) for v in r)).encode())
                n += 1
    return h.hexdigest()[:16], n


def _scope(only: list[int] | None, column: str) -> tuple[str, list]:
    if only is None:
        return "", []
    ids = [int(pk) for pk in only] or [0]
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def payouts_digest(only: list[int] | None = None) -> str:
    where, params = _scope(only, "t.agreement_id")
    parts = [
        _hash(
            "SELECT m.id, m.met, m.met_on FROM funding_milestone m JOIN funding_tranche t ON t.id = m.tranche_id"
            f" WHERE true{where} ORDER BY m.id",
            params,
        ),
        _hash(f"SELECT t.id, t.state FROM funding_tranche t WHERE true{where} ORDER BY t.id", params),
        _hash(
            "SELECT p.tranche_id, p.amount, p.factor, p.approver_level, p.state, p.prepared_by_id"
            " FROM funding_payout p JOIN funding_tranche t ON t.id = p.tranche_id"
            f" WHERE t.state <> 'paid'{where} ORDER BY p.tranche_id",
            params,
        ),
    ]
    return "-".join(h for h, _n in parts)


def exit_digest(only: list[int] | None = None) -> str:
    where, params = _scope(only, "agreement_id")
    parts = [
        _hash(
            "SELECT agreement_id, rule, evidence_key FROM funding_exitflag"
            f" WHERE state = 'open'{where} ORDER BY agreement_id, rule",
            params,
        ),
        _hash(f"SELECT id, state FROM funding_tranche WHERE true{where} ORDER BY id", params),
        _hash(f"SELECT tranche_id, state FROM funding_payout WHERE true{where} ORDER BY tranche_id", params),
    ]
    return "-".join(h for h, _n in parts)
