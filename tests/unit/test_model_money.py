"""Money: currency validation, exact arithmetic, quantizing, JSON round trips."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from baton.model import CURRENCY_MINOR_UNITS, Money

REQUIRED_CODES = (
    "USD EUR GBP CAD AUD JPY CHF INR SGD NZD SEK NOK DKK ZAR BRL MXN".split()
)

currencies = st.sampled_from(sorted(CURRENCY_MINOR_UNITS))
amounts = st.integers(min_value=0, max_value=6).flatmap(
    lambda places: st.decimals(
        min_value=Decimal("-1e12"),
        max_value=Decimal("1e12"),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )
)


@st.composite
def money(draw: st.DrawFn, currency: str | None = None) -> Money:
    code = currency if currency is not None else draw(currencies)
    return Money(amount=draw(amounts), currency=code)


# --- construction ------------------------------------------------------------


@pytest.mark.parametrize("code", REQUIRED_CODES)
def test_required_currencies_are_known(code: str):
    assert Money(amount="1", currency=code).currency == code


@pytest.mark.parametrize(
    ("code", "minor"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3)]
)
def test_minor_units_follow_iso_4217(code: str, minor: int):
    assert Money(amount=1, currency=code).minor_units == minor


@pytest.mark.parametrize("code", ["usd", "XYZ", "US", "USDD", "", "EURO"])
def test_unknown_or_lower_case_currency_is_rejected(code: str):
    with pytest.raises(ValidationError, match="currency must be an upper-case ISO"):
        Money(amount=1, currency=code)


def test_currency_is_stripped_of_whitespace():
    assert Money(amount=1, currency=" GBP ").currency == "GBP"


def test_float_amount_is_rejected_in_python_and_json():
    with pytest.raises(ValidationError, match="not a float"):
        Money(amount=0.1, currency="USD")
    with pytest.raises(ValidationError, match="not a float"):
        Money.model_validate_json('{"amount": 0.1, "currency": "USD"}')


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "ten"])
def test_non_finite_or_non_numeric_amount_is_rejected(bad: str):
    with pytest.raises(ValidationError):
        Money(amount=bad, currency="USD")


def test_amount_is_kept_exactly_as_given():
    assert Money(amount="10.125", currency="USD").amount == Decimal("10.125")
    assert str(Money(amount="10.10", currency="USD")) == "10.10 USD"


def test_money_is_immutable_and_strict_about_fields():
    m = Money(amount=1, currency="USD")
    with pytest.raises(ValidationError):
        m.amount = Decimal(2)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Money(amount=1, currency="USD", rate=2)  # type: ignore[call-arg]


def test_money_is_hashable_and_equal_by_value():
    a = Money(amount="1.5", currency="USD")
    b = Money(amount="1.50", currency="USD")
    assert a == b
    assert hash(a) == hash(b)
    assert a != Money(amount="1.5", currency="EUR")


# --- arithmetic --------------------------------------------------------------


def test_addition_and_subtraction_in_one_currency():
    a = Money(amount="10.25", currency="EUR")
    b = Money(amount="0.80", currency="EUR")
    assert a + b == Money(amount="11.05", currency="EUR")
    assert a - b == Money(amount="9.45", currency="EUR")
    assert -a == Money(amount="-10.25", currency="EUR")


def test_adding_different_currencies_raises_a_clear_value_error():
    with pytest.raises(ValueError, match="cannot add USD and EUR"):
        _ = Money(amount=1, currency="USD") + Money(amount=1, currency="EUR")
    with pytest.raises(ValueError, match="cannot subtract GBP and JPY"):
        _ = Money(amount=1, currency="GBP") - Money(amount=1, currency="JPY")


def test_adding_a_number_is_a_type_error():
    with pytest.raises(TypeError, match="cannot add Money and int"):
        _ = Money(amount=1, currency="USD") + 1


def test_multiplying_by_decimal_or_int_but_not_float_or_bool():
    rate = Money(amount="150.00", currency="USD")
    assert rate * Decimal("7.25") == Money(amount="1087.5", currency="USD")
    assert rate * 2 == Money(amount="300", currency="USD")
    with pytest.raises(TypeError, match="float"):
        _ = rate * 1.5
    with pytest.raises(TypeError, match="bool"):
        _ = rate * True


def test_arithmetic_that_cannot_be_exact_raises():
    huge = Money(amount=Decimal("1e60"), currency="USD")
    with pytest.raises(ValueError, match="too large to be exact"):
        _ = huge + Money(amount="0.01", currency="USD")


def test_zero_starts_a_sum():
    items = [Money(amount="0.10", currency="CHF")] * 3
    assert sum(items, Money.zero("CHF")) == Money(amount="0.30", currency="CHF")
    assert sum([], Money.zero("CHF")) == Money(amount=0, currency="CHF")


# --- quantize ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "USD", "1.01"),
        ("1.004", "USD", "1.00"),
        ("-1.005", "USD", "-1.01"),
        ("1234.5", "JPY", "1235"),
        ("1.0005", "KWD", "1.001"),
        ("7", "EUR", "7.00"),
    ],
)
def test_quantize_rounds_half_up_to_minor_units(
    amount: str, currency: str, expected: str
):
    result = Money(amount=amount, currency=currency).quantize()
    assert str(result.amount) == expected


def test_quantize_accepts_bankers_rounding():
    m = Money(amount="2.125", currency="USD")
    assert m.quantize(ROUND_HALF_EVEN).amount == Decimal("2.12")
    assert m.quantize().amount == Decimal("2.13")


@given(money())
def test_quantize_lands_on_minor_units_within_half_a_unit(m: Money):
    q = m.quantize()
    assert q.currency == m.currency
    assert q.amount.as_tuple().exponent == -m.minor_units
    assert abs(q.amount - m.amount) <= Decimal(1).scaleb(-m.minor_units) / 2


# --- properties --------------------------------------------------------------


@given(money())
def test_json_round_trip_preserves_amount_exactly(m: Money):
    restored = Money.model_validate_json(m.model_dump_json())
    assert restored == m
    assert str(restored.amount) == str(m.amount)
    assert restored.amount.as_tuple() == m.amount.as_tuple()


@given(money())
def test_python_dict_round_trip_preserves_amount(m: Money):
    assert Money.model_validate(m.model_dump()) == m


@given(currencies.flatmap(lambda c: st.lists(money(c), max_size=30)))
def test_sums_are_preserved_and_order_independent(items: list[Money]):
    if not items:
        return
    currency = items[0].currency
    total = sum(items, Money.zero(currency))
    assert total.amount == sum((m.amount for m in items), Decimal(0))
    assert sum(reversed(items), Money.zero(currency)) == total
    assert total - items[0] == sum(items[1:], Money.zero(currency))


@given(currencies.flatmap(lambda c: st.lists(money(c), min_size=1, max_size=30)))
def test_sum_survives_a_json_round_trip_of_each_item(items: list[Money]):
    currency = items[0].currency
    restored = [Money.model_validate_json(m.model_dump_json()) for m in items]
    assert sum(restored, Money.zero(currency)) == sum(items, Money.zero(currency))


@given(money(), money())
def test_addition_only_within_one_currency(a: Money, b: Money):
    if a.currency == b.currency:
        assert (a + b).amount == a.amount + b.amount
    else:
        with pytest.raises(ValueError, match="convert to one currency first"):
            _ = a + b
