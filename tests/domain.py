"""Refusals asserted by their stable code (``DomainError.code``), never by translated words."""

from contextlib import contextmanager

import pytest

from qinhuai_talent.core.errors import DomainError


@contextmanager
def raises_domain(code: str, *, match=None, kind: type[DomainError] = DomainError):
    """``with raises_domain("invalid_state"): ...``: the block is refused with that code."""
    with pytest.raises(kind, match=match) as refused:
        yield refused
    assert refused.value.code == code, (
        f"refused with {refused.value.code!r} ({refused.value.message}), expected {code!r}"
    )
