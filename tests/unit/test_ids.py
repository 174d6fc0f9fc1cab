"""new_id: ULID-style, 26 Crockford base32 characters, time-ordered."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.model import ID_LENGTH, id_timestamp_ms, new_id
from baton.model import ids as ids_module

CROCKFORD = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


class FakeTime:
    """Stands in for the ``time`` module inside ``baton.model.ids``."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def time_ns(self) -> int:
        return self.ms * 1_000_000


class FakeSecrets:
    """Stands in for the id PRNG: returns a fixed value for ``getrandbits``."""

    def __init__(self, value: int) -> None:
        self.value = value

    def getrandbits(self, bits: int) -> int:
        assert bits == 80
        return self.value


def test_shape():
    value = new_id()
    assert len(value) == ID_LENGTH == 26
    assert set(value) <= CROCKFORD
    assert value[0] in "01234567"  # 128 bits fit in 26 chars only this way


def test_timestamp_is_now():
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= id_timestamp_ms(value) <= after


def test_ids_are_unique_and_strictly_increasing():
    values = [new_id() for _ in range(20_000)]
    assert len(set(values)) == len(values)
    assert values == sorted(values)
    assert all(a < b for a, b in itertools.pairwise(values))


def test_ids_from_threads_are_unique():
    results: list[list[str]] = [[] for _ in range(8)]

    def work(bucket: list[str]) -> None:
        bucket.extend(new_id() for _ in range(2_000))

    threads = [threading.Thread(target=work, args=(b,)) for b in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [v for bucket in results for v in bucket]
    assert len(set(everything)) == len(everything)
    for bucket in results:
        assert bucket == sorted(bucket)


def test_known_ulid_layout(monkeypatch: pytest.MonkeyPatch):
    # Example from the ULID reference README: ulid(1469918176385) starts 01ARYZ6S41.
    monkeypatch.setattr(ids_module, "time", FakeTime(1469918176385))
    monkeypatch.setattr(ids_module, "_rng", FakeSecrets(0))
    monkeypatch.setattr(ids_module, "_last", 0)
    assert new_id() == "01ARYZ6S41" + "0" * 16
    assert id_timestamp_ms("01ARYZ6S41TSV4RRFFQ69G5FAV") == 1469918176385
    assert id_timestamp_ms("01ARZ3NDEKTSV4RRFFQ69G5FAV") == 1469922850259


def test_same_millisecond_and_clock_going_back_stay_monotonic(
    monkeypatch: pytest.MonkeyPatch,
):
    clock = FakeTime(1_700_000_000_000)
    monkeypatch.setattr(ids_module, "time", clock)
    monkeypatch.setattr(ids_module, "_rng", FakeSecrets((1 << 80) - 1))
    monkeypatch.setattr(ids_module, "_last", 0)
    first = new_id()
    second = new_id()  # same ms, random part maxed out: carries into the time
    clock.ms -= 5_000  # clock steps back
    third = new_id()
    assert first < second < third
    assert id_timestamp_ms(second) == id_timestamp_ms(first) + 1
    assert id_timestamp_ms(third) == id_timestamp_ms(second)


@given(st.integers(min_value=0, max_value=(1 << 48) - 1))
def test_timestamp_round_trips(ms: int):
    encoded = ids_module._encode(ms << 80)
    assert len(encoded) == 26
    assert id_timestamp_ms(encoded) == ms
    assert id_timestamp_ms(encoded.lower()) == ms


@given(
    st.integers(min_value=0, max_value=(1 << 128) - 1),
    st.integers(min_value=0, max_value=(1 << 128) - 1),
)
def test_encoding_preserves_order(a: int, b: int):
    assert (ids_module._encode(a) < ids_module._encode(b)) == (a < b)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "26 characters"),
        ("01ARZ3NDEKTSV4RRFFQ69G5FA", "26 characters"),
        ("01ARZ3NDEKTSV4RRFFQ69G5FAU", "not a Crockford"),
        ("81ARZ3NDEKTSV4RRFFQ69G5FAV", "at most 128 bits"),
    ],
)
def test_bad_ids_are_rejected(value: str, message: str):
    with pytest.raises(ValueError, match=message):
        id_timestamp_ms(value)
