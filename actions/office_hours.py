"""Staffed hours of the CISAT chat (protocol 4.3) and time-of-day wording (protocol 3.3).

Pure helpers: every function takes the moment it reasons about; nothing here
reads the clock. Times are America/Bogota; public holidays come from the
``holidays`` package (country "CO" applies the Ley Emiliani moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from settings import parsers
from settings.defaults import (
    DEFAULT_HOLIDAY_COUNTRY,
    DEFAULT_OFFICE_SHIFTS,
    DEFAULT_OFFICE_WEEKDAYS,
)
from settings.parsers import SettingError

BOGOTA = ZoneInfo("America/Bogota")

SEARCH_DAYS = 60
EXTRA_CLOSED_NAME = "día no hábil"

WEEKDAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
WEEKDAY_PLURALS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos")
MONTH_NAMES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip


@dataclass(frozen=True)
class Shift:
    """A staffed interval within a day; ``end`` is exclusive."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError(f"shift start {self.start} must be before its end {self.end}")

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Schedule:
    """Weekly staffed hours plus the days on which nobody attends."""

    shifts: tuple[Shift, ...] = (Shift(time(8), time(12)), Shift(time(14), time(16)))
    weekdays: frozenset[int] = frozenset(range(5))  # Monday=0
    holiday_country: str = "CO"
    extra_closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.shifts:
            raise ValueError("a schedule needs at least one shift")
        ordered = tuple(sorted(self.shifts, key=lambda shift: shift.start))
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if later.start < earlier.end:
                raise ValueError(f"shifts overlap: {earlier} and {later}")
        object.__setattr__(self, "shifts", ordered)
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ValueError("weekdays must be a non-empty set of numbers 0 (Monday) to 6")
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "extra_closed_dates", frozenset(self.extra_closed_dates))

    @classmethod
    def from_settings(
        cls,
        shifts: str = DEFAULT_OFFICE_SHIFTS,
        weekdays: str = DEFAULT_OFFICE_WEEKDAYS,
        holiday_country: str = DEFAULT_HOLIDAY_COUNTRY,
        extra_closed_dates: str = "",
    ) -> Schedule:
        """Build a schedule from setting strings; bad values raise ``ValueError``.

        ``holiday_country`` may be empty to ignore public holidays. The parsers are the
        settings package's (the message starts with "<argument> setting: ").
        """
        return cls.from_values(
            shifts=parsers.shifts("shifts setting", shifts),
            weekdays=parsers.weekdays("weekdays setting", weekdays),
            holiday_country=supported_country(holiday_country, "holiday_country setting"),
            extra_closed_dates=parsers.dates("extra_closed_dates setting", extra_closed_dates),
        )

    @classmethod
    def from_values(
        cls,
        shifts: tuple[tuple[time, time], ...],
        weekdays: frozenset[int],
        holiday_country: str,
        extra_closed_dates: frozenset[date],
    ) -> Schedule:
        """A schedule of parsed settings (settings.Settings' office fields)."""
        return cls(
            shifts=tuple(Shift(start, end) for start, end in shifts),
            weekdays=weekdays,
            holiday_country=holiday_country,
            extra_closed_dates=extra_closed_dates,
        )


def supported_country(code: str, label: str = "HOLIDAY_COUNTRY") -> str:
    """`code` in capitals when the holidays package knows it ("" ignores holidays)."""
    country = code.strip().upper()
    if country and country not in holidays.list_supported_countries():
        raise SettingError(
            f"{label}: {code!r} is not a country code supported by the holidays package "
            "(e.g. 'CO')"
        )
    return country


@lru_cache(maxsize=64)
def _holidays_for(country: str, year: int) -> dict[date, str]:
    calendar = holidays.country_holidays(country, years=year, language="es")
    return dict(calendar.items())


def to_bogota(moment: datetime) -> datetime:
    """Convert an aware datetime to Bogotá time; naive datetimes are rejected."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError("naive datetime: pass a timezone-aware moment (e.g. UTC)")
    return moment.astimezone(BOGOTA)


def holiday_name(day: date, schedule: Schedule) -> str | None:
    """The Spanish name of the holiday on ``day``, ``"día no hábil"`` for extra closed dates."""
    if schedule.holiday_country:
        name = _holidays_for(schedule.holiday_country, day.year).get(day)
        if name:
            return name
    if day in schedule.extra_closed_dates:
        return EXTRA_CLOSED_NAME
    return None


def _is_working_day(day: date, schedule: Schedule) -> bool:
    return day.weekday() in schedule.weekdays and holiday_name(day, schedule) is None


def is_open(moment: datetime, schedule: Schedule) -> bool:
    """Whether agents attend at ``moment``."""
    local = to_bogota(moment)
    if not _is_working_day(local.date(), schedule):
        return False
    clock = local.time().replace(tzinfo=None)
    return any(shift.contains(clock) for shift in schedule.shifts)


def next_opening(moment: datetime, schedule: Schedule) -> datetime:
    """``moment`` (in Bogotá time) if open, else the next shift start within 60 days."""
    local = to_bogota(moment)
    if is_open(local, schedule):
        return local
    for offset in range(SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if not _is_working_day(day, schedule):
            continue
        for shift in schedule.shifts:
            start = datetime.combine(day, shift.start, tzinfo=BOGOTA)
            if start > local:
                return start
    raise ValueError(f"no staffed hours in the {SEARCH_DAYS} days after {local.isoformat()}")


def part_of_day(moment: datetime) -> str:
    """``"morning"`` (00–11:59), ``"afternoon"`` (12–17:59) or ``"evening"`` (18–23:59)."""
    hour = to_bogota(moment).hour
    if hour < 12:
        return "morning"
    if hour < 18:
        return "afternoon"
    return "evening"


_GREETINGS = {"morning": "Buenos días", "afternoon": "Buenas tardes", "evening": "Buenas noches"}


def greeting_for(moment: datetime) -> str:
    """The protocol's greeting for the time of day (P1)."""
    return _GREETINGS[part_of_day(moment)]


def format_time(clock: time) -> str:
    """Colombian 12-hour style: ``8:00 a. m.``, ``12:00 m.``, ``2:30 p. m.``."""
    if clock.hour == 12 and clock.minute == 0:
        return "12:00 m."
    hour = clock.hour % 12 or 12
    suffix = "a. m." if clock.hour < 12 else "p. m."
    return f"{hour}:{clock.minute:02d} {suffix}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " y " + items[-1]


def _describe_weekdays(weekdays: frozenset[int]) -> str:
    days = sorted(weekdays)
    if len(days) == 7:
        return "todos los días"
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"de {WEEKDAY_NAMES[days[0]]} a {WEEKDAY_NAMES[days[-1]]}"
    return "los " + _join([WEEKDAY_PLURALS[day] for day in days])


def describe_schedule(schedule: Schedule) -> str:
    """The schedule in plain Spanish, e.g. "de lunes a viernes, de 8:00 a. m. a 12:00 m. …"."""
    shifts = _join(
        [f"de {format_time(shift.start)} a {format_time(shift.end)}" for shift in schedule.shifts]
    )
    text = f"{_describe_weekdays(schedule.weekdays)}, {shifts}"
    if schedule.holiday_country:
        text += ", excepto los días festivos"
    elif schedule.extra_closed_dates:
        text += ", excepto los días no hábiles"
    return text


def _at_time(clock: time) -> str:
    article = "a la" if clock.hour in (1, 13) else "a las"
    return f"{article} {format_time(clock)}"


def _describe_date(day: date, *, with_year: bool = False) -> str:
    text = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} de {MONTH_NAMES[day.month - 1]}"
    if with_year:
        text += f" de {day.year}"
    return text


def describe_opening(opening: datetime, now: datetime) -> str:
    """When ``opening`` happens, relative to ``now``: "hoy a las …", "mañana, …", "el lunes …"."""
    opening, now = to_bogota(opening), to_bogota(now)
    clock = opening.time().replace(tzinfo=None)
    days = (opening.date() - now.date()).days
    if days == 0:
        return f"hoy {_at_time(clock)}"
    if days == 1:
        return f"mañana, {_describe_date(opening.date())}, {_at_time(clock)}"
    with_year = opening.year != now.year
    return f"el {_describe_date(opening.date(), with_year=with_year)} {_at_time(clock)}"


def describe_next_opening(moment: datetime, schedule: Schedule) -> str:
    """The next opening after `moment`, in words (see `describe_opening`)."""
    return describe_opening(next_opening(moment, schedule), moment)
