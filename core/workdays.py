"""Working days and public holidays: the calendar behind deadlines such as UNSUB-2's.

Pure: no Django, no I/O. A calendar is a country's nationwide public holidays (Germany's
federal ones, France's), plus any extra dates an installation names
(`CONSENTRY_EXTRA_HOLIDAYS`, e.g. a state's own holidays). Saturdays and Sundays are never
working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

CALENDARS = ("de", "fr")


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(calendar: str, year: int) -> frozenset[date]:
    """The nationwide public holidays of `calendar` ("de" or "fr") in `year`."""
    easter = easter_sunday(year)

    def fixed(*days: tuple[int, int]) -> set[date]:
        return {date(year, month, day) for month, day in days}

    if calendar == "de":
        # Neujahr, Tag der Arbeit, Tag der Deutschen Einheit, both Christmas days; Karfreitag,
        # Ostermontag, Christi Himmelfahrt, Pfingstmontag.
        days = fixed((1, 1), (5, 1), (10, 3), (12, 25), (12, 26))
        days |= {easter + timedelta(days=n) for n in (-2, 1, 39, 50)}
    elif calendar == "fr":
        # Jour de l'an, fête du Travail, Victoire 1945, fête nationale, Assomption, Toussaint,
        # Armistice, Noël; lundi de Pâques, Ascension, lundi de Pentecôte.
        days = fixed((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
        days |= {easter + timedelta(days=n) for n in (1, 39, 50)}
    else:
        raise ValueError(f"unknown holiday calendar {calendar!r} (known: {', '.join(CALENDARS)})")
    return frozenset(days)


def is_working_day(day: date, calendar: str, extra: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in public_holidays(calendar, day.year) and day not in extra


def add_working_days(start: date, count: int, calendar: str, extra: Iterable[date] = ()) -> date:
    """The day `count` working days after `start` (the day of receipt itself never counts)."""
    if count < 0:
        raise ValueError("count must not be negative")
    extra_days = frozenset(extra)
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, calendar, extra_days):
            remaining -= 1
    return day
