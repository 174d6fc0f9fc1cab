"""The dispatcher's decisions: what an attempt's result means for its delivery."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.engine.backoff import RetryPolicy
from baton.engine.errors import (
    Ambiguous,
    DeliveryError,
    Fatal,
    Invalid,
    RateLimited,
    Retriable,
)
from baton.engine.settlement import (
    DEFAULT_FIX,
    Outcome,
    after_error,
    confirmed,
    dead,
    outcome_of,
    unknown_target,
)
from baton.store.ports import DeliveryRow

NOW = 1_800_000_000.0
POLICY = RetryPolicy(base=1.0, cap=10.0, horizon=60.0)


def row(**kw: object) -> DeliveryRow:
    base: dict[str, object] = {
        "id": "d1",
        "target": "erp",
        "account": "erp",
        "entity": "time_entry",
        "canonical_id": "te-1",
        "version": 1,
        "idempotency_key": "k1",
        "partition_key": "W00001",
        "state": "pending",
        "maybe_sent": False,
        "attempts": 0,
        "first_attempt_at": None,
        "next_attempt_at": NOW,
        "payload": '{"hours": "7.5"}',
        "amount": "7.5",
        "currency": None,
        "external_ref": None,
        "last_error": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    base.update(kw)
    return DeliveryRow(**base)  # type: ignore[arg-type]


def verdict(exc: DeliveryError, *, attempt: int = 1, first: float = NOW, **kw: object):
    args: dict[str, object] = {
        "policy": POLICY,
        "rng": random.Random(3),
        "owner_of": lambda entity: f"owner-of-{entity}",
        "now": NOW + 0.5,
    }
    args.update(kw)
    maybe_sent = bool(args.pop("maybe_sent", False))
    return after_error(
        row(),
        exc,
        attempt,
        first,
        NOW,
        12.5,
        maybe_sent,
        **args,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("found", "kind"), [(False, "confirmed"), (True, "found")])
def test_confirmed_carries_the_ref_and_a_cross_reference(found: bool, kind: str):
    s = confirmed(row(), 2, found, NOW, 3.0, NOW - 5, "ERP-7", "generic_erp")
    assert (s.state, s.attempt_number, s.attempt_outcome) == ("confirmed", 2, kind)
    assert (s.at, s.duration_ms, s.first_attempt_at) == (NOW, 3.0, NOW - 5)
    assert s.external_ref == "ERP-7"
    assert s.xref == ("time_entry", "te-1", "generic_erp", "ERP-7")
    assert outcome_of(s) == Outcome("confirmed", external_ref="ERP-7")


def test_an_unknown_target_is_dead_at_once():
    s = unknown_target(row(target="nowhere", attempts=3), NOW)
    assert (s.state, s.attempt_outcome, s.attempt_number) == ("dead", "fatal", 4)
    assert s.error == "no target named 'nowhere'"
    assert (s.target, s.at, s.duration_ms) == ("nowhere", NOW, 0.0)
    assert s.dead_letter_id
    assert outcome_of(s) == Outcome("dead", reason="no target named 'nowhere'")


def test_invalid_is_quarantined_with_the_vendors_reason_and_owner():
    exc = Invalid(
        "hours exceed 24",
        rule="erp.rejected",
        owner_team="finance",
        fix="split it",
        status=422,
    )
    s = verdict(exc)
    assert (s.state, s.attempt_outcome, s.status) == ("quarantined", "invalid", 422)
    q = s.quarantine
    assert q is not None
    assert (q.rule, q.owner_team, q.fix) == ("erp.rejected", "finance", "split it")
    assert q.reason == "erp rejected it: hours exceed 24"
    assert (q.amount, q.currency, q.delivery_id) == ("7.5", None, "d1")
    assert (q.entity, q.canonical_id, q.payload) == (
        "time_entry",
        "te-1",
        '{"hours": "7.5"}',
    )
    assert s.next_attempt_at is None
    assert s.dead_letter_id is None
    assert outcome_of(s) == Outcome(
        "quarantined", rule="erp.rejected", reason=q.reason, quarantine_id=q.id
    )


def test_invalid_without_owner_or_fix_falls_back_to_the_entity_owner():
    s = verdict(Invalid("no", rule="r", owner_team=""))
    assert s.quarantine is not None
    assert s.quarantine.owner_team == "owner-of-time_entry"
    assert s.quarantine.fix == DEFAULT_FIX


def test_fatal_is_dead_with_a_dead_letter_whatever_the_budget():
    s = verdict(Fatal("bad credentials", status=401), first=NOW)
    assert (s.state, s.attempt_outcome, s.status) == ("dead", "fatal", 401)
    assert (s.error, s.target) == ("bad credentials", "erp")
    assert s.dead_letter_id
    assert s.next_attempt_at is None


@pytest.mark.parametrize(
    ("exc", "kind", "maybe_sent"),
    [
        (Retriable("503", status=503), "retriable", False),
        (RateLimited("429", status=429), "rate_limited", False),
        (Ambiguous("reset"), "ambiguous", True),
    ],
)
def test_transient_errors_are_retried_later(
    exc: DeliveryError, kind: str, maybe_sent: bool
):
    s = verdict(exc, attempt=2)
    assert (s.state, s.attempt_outcome, s.maybe_sent) == ("pending", kind, maybe_sent)
    assert s.next_attempt_at is not None
    assert NOW + 0.5 <= s.next_attempt_at <= NOW + 0.5 + 2.0  # envelope of attempt 2
    assert (s.error, s.at, s.duration_ms, s.first_attempt_at) == (
        exc.message,
        NOW,
        12.5,
        NOW,
    )
    assert s.dead_letter_id is None


def test_a_lookup_owed_is_not_forgotten_after_a_plain_retriable():
    s = verdict(Retriable("503"), maybe_sent=True)
    assert s.maybe_sent is True


@pytest.mark.parametrize(
    "exc",
    [Retriable("busy", retry_after=42.0), RateLimited("slow down", retry_after=42.0)],
)
def test_retry_after_is_honoured_beyond_the_cap(exc: Retriable):
    s = verdict(exc)
    assert s.next_attempt_at == NOW + 0.5 + 42.0


@pytest.mark.parametrize(
    "exc", [Retriable("503"), RateLimited("429"), Ambiguous("reset")]
)
def test_past_the_horizon_a_transient_error_is_dead(exc: DeliveryError):
    s = verdict(exc, attempt=9, first=NOW - 60.0)
    assert (s.state, s.attempt_outcome, s.target) == ("dead", "fatal", "erp")
    assert s.error == f"gave up after 9 attempts: {exc.message}"
    assert s.dead_letter_id
    assert s.next_attempt_at is None


def test_an_unclassified_error_is_a_bug_not_a_retry():
    with pytest.raises(AssertionError):
        verdict(DeliveryError("raw"))


def test_dead_keeps_the_attempt_and_gets_a_fresh_dead_letter():
    s = verdict(Retriable("503"))
    a, b = dead(s, "erp"), dead(s, "erp")
    assert a.dead_letter_id != b.dead_letter_id
    assert replace(a, dead_letter_id=None) == replace(
        s, state="dead", attempt_outcome="fatal", target="erp"
    )


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    age=st.floats(min_value=0.0, max_value=120.0),
    retry_after=st.none() | st.floats(min_value=0.0, max_value=1e6),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_a_transient_error_is_retried_within_the_horizon_else_dead(
    attempt: int, age: float, retry_after: float | None, seed: int
):
    now = NOW + 0.5
    s = verdict(
        Retriable("503", retry_after=retry_after),
        attempt=attempt,
        first=now - age,
        rng=random.Random(seed),
    )
    if age >= POLICY.horizon:
        assert s.state == "dead"
        assert s.next_attempt_at is None
        return
    assert s.state == "pending"
    assert s.next_attempt_at is not None
    assert s.next_attempt_at >= now + (retry_after or 0.0)
    if retry_after is None:
        assert s.next_attempt_at <= now + POLICY.cap
