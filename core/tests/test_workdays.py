"""Working days for deadlines (UNSUB-2): weekends and public holidays do not count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.workdays import add_working_days, easter_sunday, is_working_day, public_holidays


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2000, date(2000, 4, 23)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_german_federal_holidays_2026() -> None:
    assert public_holidays("de", 2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 10, 3),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


def test_french_holidays_include_the_14th_of_july_and_whit_monday() -> None:
    days = public_holidays("fr", 2026)
    assert {date(2026, 7, 14), date(2026, 5, 8), date(2026, 5, 25), date(2026, 11, 11)} <= days
    assert date(2026, 4, 3) not in days  # no Good Friday in France
    with pytest.raises(ValueError, match="unknown holiday calendar"):
        public_holidays("xx", 2026)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Monday → Thursday: three plain working days.
        (date(2026, 11, 30), date(2026, 12, 3)),
        # Friday: the weekend does not count.
        (date(2026, 11, 27), date(2026, 12, 2)),
        # Received on a Saturday: Monday is the first working day.
        (date(2026, 11, 28), date(2026, 12, 2)),
        # Maundy Thursday: Good Friday, the weekend and Easter Monday do not count.
        (date(2026, 4, 2), date(2026, 4, 9)),
        # Christmas Eve: both Christmas days and the weekend do not count.
        (date(2026, 12, 24), date(2026, 12, 30)),
        # Across the new year.
        (date(2026, 12, 30), date(2027, 1, 5)),
        # 2 October 2026 is a Friday; 3 October (German Unity Day) is a Saturday.
        (date(2026, 10, 2), date(2026, 10, 7)),
    ],
)
def test_unsub_002_deadline_is_three_german_working_days(received: date, due: date) -> None:
    assert add_working_days(received, 3, "de") == due


def test_the_calendar_and_extra_holidays_are_configurable() -> None:
    # Monday 13 July 2026: in France the 14th is a holiday, in Germany it is not.
    assert add_working_days(date(2026, 7, 13), 3, "fr") == date(2026, 7, 17)
    assert add_working_days(date(2026, 7, 13), 3, "de") == date(2026, 7, 16)
    # A state's own holiday (e.g. Reformation Day, 31 October 2025 a Friday) added.
    assert add_working_days(date(2025, 10, 30), 1, "de") == date(2025, 10, 31)
    assert add_working_days(date(2025, 10, 30), 1, "de", [date(2025, 10, 31)]) == date(2025, 11, 3)


@given(start=st.dates(date(2000, 1, 1), date(2099, 12, 31)), count=st.integers(0, 30))
def test_the_deadline_is_a_working_day_with_exactly_count_working_days_before_it(
    start: date, count: int
) -> None:
    due = add_working_days(start, count, "de")
    between = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(is_working_day(day, "de") for day in between) == count
    assert count == 0 or is_working_day(due, "de")
