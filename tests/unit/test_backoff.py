"""RetryPolicy delays and give-up, and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from baton.engine.backoff import RetryPolicy, parse_retry_after


def _delays(policy: RetryPolicy, attempt: int, n: int = 2000) -> list[float]:
    rng = random.Random(attempt)
    return [policy.delay(attempt, None, rng) for _ in range(n)]


def test_delays_stay_within_zero_and_cap():
    policy = RetryPolicy(base=0.5, cap=30.0)
    for attempt in range(1, 40):
        assert all(0.0 <= d <= 30.0 for d in _delays(policy, attempt, 200))


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8])
def test_delays_follow_the_exponential_envelope(attempt: int):
    policy = RetryPolicy(base=0.5, cap=300.0)
    envelope = 0.5 * 2 ** (attempt - 1)
    delays = _delays(policy, attempt)
    assert max(delays) <= envelope
    # Full jitter: spread over the whole envelope, not bunched at either end.
    assert max(delays) > 0.95 * envelope
    assert min(delays) < 0.05 * envelope
    assert 0.45 * envelope < sum(delays) / len(delays) < 0.55 * envelope


def test_envelope_reaches_the_cap_and_huge_attempts_do_not_overflow():
    policy = RetryPolicy(base=0.5, cap=300.0)
    assert max(_delays(policy, 30)) > 0.95 * 300.0
    assert 0.0 <= policy.delay(10_000, None, random.Random(1)) <= 300.0


def test_retry_after_is_a_floor_not_capped():
    policy = RetryPolicy(base=0.5, cap=10.0)
    rng = random.Random(7)
    assert all(policy.delay(1, 3.0, rng) >= 3.0 for _ in range(500))
    assert policy.delay(3, 3600.0, rng) == 3600.0  # beyond cap: the target wins
    # A small Retry-After does not shorten the jittered backoff below it.
    delays = [policy.delay(10, 0.1, rng) for _ in range(500)]
    assert all(d >= 0.1 for d in delays)
    assert max(delays) > 5.0


def test_attempts_count_from_one():
    with pytest.raises(ValueError):
        RetryPolicy().delay(0, None, random.Random(0))


@pytest.mark.parametrize(
    "kwargs", [{"base": -1.0}, {"cap": -1.0}, {"horizon": -1.0}, {"max_attempts": 0}]
)
def test_nonsense_policies_are_rejected(kwargs: dict[str, float]):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_gives_up_at_the_horizon():
    policy = RetryPolicy(horizon=3600.0)
    assert not policy.gives_up(1000.0, 1000.0 + 3599.0, attempts=500)
    assert policy.gives_up(1000.0, 1000.0 + 3600.0, attempts=2)
    assert policy.gives_up(1000.0, 1000.0 + 9999.0, attempts=2)


def test_gives_up_when_the_attempt_budget_is_spent():
    policy = RetryPolicy(horizon=3600.0, max_attempts=3)
    assert not policy.gives_up(0.0, 1.0, attempts=2)
    assert policy.gives_up(0.0, 1.0, attempts=3)
    assert not RetryPolicy().gives_up(0.0, 1.0, attempts=10_000)


NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),
        ("Sat, 01 Mar 2025 12:02:00 -0000", 120.0),
        ("Sat, 01 Mar 2025 13:00:00 +0100", 0.0),  # same instant as now
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),  # already past: go now
        (None, None),
        ("", None),
        ("-5", None),
        ("soon", None),
        ("1e3", None),
        ("inf", None),
        ("1_000", None),
        ("Sat, 99 Mar 2025 12:00:00 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None):
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_round_trips_an_http_date():
    later = datetime(2025, 3, 1, 12, 5, 0, tzinfo=UTC)
    header = format_datetime(later, usegmt=True)
    assert parse_retry_after(header, NOW) == 300.0
