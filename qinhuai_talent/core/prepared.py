"""Fixed statements the portal runs on nearly every request, planned once per database connection.

PostgreSQL plans every statement psycopg2 sends. For the API's token look-up and the result
cache's look-up that planning (about a quarter of a millisecond each) costs more than running
them, on every request. ``execute`` sends such a statement as ``PREPARE`` once per connection and
as ``EXECUTE`` after that; on any other database it runs the statement as it is.

A prepared statement belongs to its connection (a new connection prepares again) and outlives a
rolled-back transaction. A statement is named by its text, so a changed text is a new statement.
"""

import hashlib
import re
import weakref

_PREPARED: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%s")


def statement_name(sql: str) -> str:
    """The name a statement is prepared under (``EXECUTE <name>(…)`` in query logs)."""
    return "qt_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]


def execute(cursor, sql: str, params: list) -> None:
    """``cursor.execute(sql, params)``, the statement prepared once per PostgreSQL connection. Its
    parameters are marked ``%s`` and no literal of it holds that mark. ``cursor`` is a Django cursor: query logs
    and execute wrappers see the ``PREPARE`` and the ``EXECUTE``."""
    db = cursor.db
    if db.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    raw = db.connection
    name = statement_name(sql)
    done = _PREPARED.setdefault(raw, set())
    if name not in done:
        numbered = iter(range(1, len(params) + 1))
        cursor.execute(
            f"PREPARE {name} AS " + _PLACEHOLDER.sub(lambda _m: f"${next(numbered)}", sql).replace("%%", "%")
        )
        done.add(name)
    arguments = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name}({arguments})" if params else f"EXECUTE {name}", params)
