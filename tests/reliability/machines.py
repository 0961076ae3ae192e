"""Running the property tests' state machines: how long, and with which seed.

``PROPERTY_EXAMPLES`` and ``PROPERTY_STEPS`` raise a run (each machine has its own defaults);
``PROPERTY_SEED`` varies it. The seed is fixed otherwise, so every run explores the same
sequences and a failure reproduces.
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

SEED = int(os.environ.get("PROPERTY_SEED", "20261128"))


def examples(default: int) -> int:
    return int(os.environ.get("PROPERTY_EXAMPLES", str(default)))


def steps(default: int) -> int:
    return int(os.environ.get("PROPERTY_STEPS", str(default)))


def run(machine, *, max_examples: int, step_count: int) -> None:
    """Run ``machine`` for ``max_examples`` sequences of ``step_count // 2`` to ``step_count``
    steps, with the fixed seed, no deadline and no example database."""
    machine._hypothesis_internal_use_seed = SEED
    run_state_machine_as_test(
        machine,
        _min_steps=step_count // 2,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=step_count,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
