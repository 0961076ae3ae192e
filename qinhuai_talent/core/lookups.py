"""``any_of(field, values)``: ``field IN (values)`` for the long id lists of set-based jobs.

Django turns every element of a ``pk__in=[…]`` list into a placeholder of its own and resolves
and prepares each one in Python; for a recompute batch at city scale (tens of thousands of ids per
statement) that compiling was a quarter of the batch's time. ``any_of`` is one condition with the
list as ONE parameter on PostgreSQL (``field = ANY(%s::type[])``, an array psycopg2 adapts in C),
and a plain ``IN (%s, …)`` elsewhere. The values must already be the column's values (ids, codes):
they are not passed through the field's preparation. ``None`` never matches (as with ``__in``).

    Milestone.objects.filter(any_of("tranche_id", unpaid_ids), met=False)
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Expression, F


class AnyOf(Expression):
    output_field = BooleanField()
    conditional = True

    def __init__(self, field, values) -> None:
        super().__init__()
        self.lhs = F(field) if isinstance(field, str) else field
        self.values = [v for v in values if v is not None]

    def get_source_expressions(self):
        return [self.lhs]

    def set_source_expressions(self, exprs) -> None:
        (self.lhs,) = exprs

    def as_sql(self, compiler, connection):
        if not self.values:
            raise EmptyResultSet
        column, params = compiler.compile(self.lhs)
        return f"{column} IN ({', '.join(['%s'] * len(self.values))})", (*params, *self.values)

    def as_postgresql(self, compiler, connection):
        if not self.values:
            raise EmptyResultSet
        column, params = compiler.compile(self.lhs)
        array_type = self.lhs.output_field.cast_db_type(connection)
        return f"{column} = ANY(%s::{array_type}[])", (*params, self.values)


def any_of(field: str, values) -> AnyOf:
    return AnyOf(field, values)
