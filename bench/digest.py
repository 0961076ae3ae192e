"""Digests of what a recompute decides, so the engine, the naive loop and the floor can be compared.

Payouts: every milestone's ``met``/``met_on``, every tranche's state, and each unpaid tranche's
payout (amount, factor, approver level, state, preparer) of the given agreements.
Exit flags: the open flags (agreement, rule, evidence key) and the tranche and payout states
the holds leave.
Both: the transition-log rows the recompute wrote (after ``since``, the log's newest id before it
ran): each record's action, from and to state, actor and reason. A payout the run created is
named by its tranche (its id is the sequence's next, which differs between runs); the stamp and
the hash (which covers the stamp) are not compared.
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


def log_mark() -> int:
    """The transition log's newest id: what a recompute writes after it is its own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM core_transitionlog")
        return cursor.fetchone()[0]


# The actor by name: the system's user, created on first use, has another id after a rollback.
LOG_COLUMNS = (
    "l.action, l.from_state, l.to_state, (SELECT u.username FROM core_user u WHERE u.id = l.actor_id), l.reason"
)


def _logged(model: str) -> str:
    return (
        " FROM core_transitionlog l JOIN django_content_type ct ON ct.id = l.content_type_id"
        f" AND ct.app_label = 'funding' AND ct.model = '{model}'"
    )


def _log_digest(since: int, only: list[int] | None, *, flags: bool) -> tuple[str, int]:
    where, params = _scope(only, "t.agreement_id")
    parts = [
        f"SELECT 'tranche', l.object_id, {LOG_COLUMNS}{_logged('tranche')}"
        f" JOIN funding_tranche t ON t.id = l.object_id WHERE l.id > %s{where}",
        f"SELECT 'payout of tranche', p.tranche_id, {LOG_COLUMNS}{_logged('payout')}"
        f" JOIN funding_payout p ON p.id = l.object_id JOIN funding_tranche t ON t.id = p.tranche_id"
        f" WHERE l.id > %s{where}",
    ]
    args = [since, *params, since, *params]
    if flags:
        fwhere, fparams = _scope(only, "f.agreement_id")
        parts.append(
            f"SELECT 'flag', l.object_id, {LOG_COLUMNS}{_logged('exitflag')}"
            f" JOIN funding_exitflag f ON f.id = l.object_id WHERE l.id > %s{fwhere}"
        )
        args += [since, *fparams]
    return _hash(" UNION ALL ".join(parts) + " ORDER BY 1, 2, 3", args)


def payouts_digest(only: list[int] | None = None, since: int | None = None) -> str:
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
    if since is not None:
        parts.append(_log_digest(since, only, flags=False))
    return "-".join(h for h, _n in parts)


def exit_digest(only: list[int] | None = None, since: int | None = None) -> str:
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
    if since is not None:
        parts.append(_log_digest(since, only, flags=True))
    return "-".join(h for h, _n in parts)
