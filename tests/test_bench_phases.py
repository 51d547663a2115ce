"""The benchmark's phase-by-phase profile adds up, and a built-in's time goes to its caller's phase."""

from __future__ import annotations

from bench import phases


def _sort_a_lot() -> int:
    return sum(len(sorted(range(2_000, 0, -1))) for _ in range(200))


def test_phases_add_up_to_the_profiled_run_and_built_ins_follow_their_caller():
    result, stats = phases.profiled(_sort_a_lot)
    assert result == 400_000
    found = dict(phases.by_phase(stats, [("sorting here", ("test_bench_phases.py",))]))
    whole = sum(own for _, _, own, _, _ in stats.stats.values())  # type: ignore[attr-defined]
    assert abs(sum(found.values()) - whole) < 0.001  # phases under half a millisecond are left out
    assert found["sorting here"] > 0.9 * whole  # sorted() and len() are built-ins called from here
