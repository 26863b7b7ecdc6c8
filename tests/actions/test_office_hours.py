from datetime import date, datetime, time, timedelta, timezone

import pytest

from actions.office_hours import (
    BOGOTA,
    Schedule,
    Shift,
    describe_opening,
    describe_schedule,
    greeting_for,
    holiday_name,
    is_open,
    next_opening,
    part_of_day,
    to_bogota,
)

SCHEDULE = Schedule()


def bogota(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=BOGOTA)


# 2026-12-01 is a Tuesday; 2026-12-07 a Monday; 2026-12-08 (Tuesday) is a holiday.
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (bogota(2026, 12, 1, 7, 59, 59), False),
        (bogota(2026, 12, 1, 8, 0), True),
        (bogota(2026, 12, 1, 11, 59, 59), True),
        (bogota(2026, 12, 1, 12, 0), False),
        (bogota(2026, 12, 1, 13, 59, 59), False),
        (bogota(2026, 12, 1, 14, 0), True),
        (bogota(2026, 12, 1, 15, 59, 59), True),
        (bogota(2026, 12, 1, 16, 0), False),
        (bogota(2026, 12, 1, 20, 0), False),
        (bogota(2026, 12, 4, 10, 0), True),  # Friday
        (bogota(2026, 12, 5, 10, 0), False),  # Saturday
        (bogota(2026, 12, 6, 10, 0), False),  # Sunday
        (bogota(2026, 12, 8, 10, 0), False),  # Inmaculada Concepción, Tuesday
        (bogota(2026, 12, 25, 10, 0), False),  # Navidad, Friday
        (bogota(2027, 1, 11, 10, 0), False),  # Reyes moved to Monday (Ley Emiliani)
        (bogota(2027, 1, 6, 10, 0), True),  # the original Reyes date is a working day
        (bogota(2026, 1, 12, 10, 0), False),  # Reyes 2026, moved to Monday
        (bogota(2026, 1, 13, 10, 0), True),
    ],
)
def test_is_open(moment, expected):
    assert is_open(moment, SCHEDULE) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 1, 12, 59, tzinfo=timezone.utc), False),  # 7:59 Bogotá
        (datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc), True),  # 8:00 Bogotá
        (datetime(2026, 12, 1, 20, 59, tzinfo=timezone.utc), True),  # 15:59 Bogotá
        (datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc), False),  # 16:00 Bogotá
        # 02:00 UTC on Wednesday is still Tuesday 21:00 in Bogotá
        (datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc), False),
    ],
)
def test_is_open_converts_utc(moment, expected):
    assert is_open(moment, SCHEDULE) is expected


@pytest.mark.parametrize(
    "function",
    [
        lambda moment: is_open(moment, SCHEDULE),
        lambda moment: next_opening(moment, SCHEDULE),
        part_of_day,
        greeting_for,
        to_bogota,
    ],
)
def test_naive_datetimes_are_rejected(function):
    with pytest.raises(ValueError, match="naive"):
        function(datetime(2026, 12, 1, 9, 0))


def test_to_bogota_converts_aware_moments():
    converted = to_bogota(datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc))
    assert converted == bogota(2026, 12, 1, 8, 0)
    assert converted.utcoffset() == timedelta(hours=-5)
    assert (converted.hour, converted.tzinfo) == (8, BOGOTA)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (bogota(2026, 12, 1, 9, 30), bogota(2026, 12, 1, 9, 30)),  # open: the moment itself
        (bogota(2026, 12, 1, 6, 0), bogota(2026, 12, 1, 8, 0)),
        (bogota(2026, 12, 1, 12, 30), bogota(2026, 12, 1, 14, 0)),  # lunch: same day 14:00
        (bogota(2026, 12, 1, 16, 0), bogota(2026, 12, 2, 8, 0)),
        (bogota(2026, 12, 4, 16, 0), bogota(2026, 12, 7, 8, 0)),  # Friday 16:00 -> Monday
        (bogota(2026, 12, 5, 11, 0), bogota(2026, 12, 7, 8, 0)),  # Saturday -> Monday
        (bogota(2026, 12, 7, 17, 0), bogota(2026, 12, 9, 8, 0)),  # Tuesday 8 Dec is a holiday
        (bogota(2026, 12, 24, 16, 30), bogota(2026, 12, 28, 8, 0)),  # Navidad on Friday
        # Friday evening before a holiday Monday (Reyes 2027) -> Tuesday 8:00
        (bogota(2027, 1, 8, 19, 0), bogota(2027, 1, 12, 8, 0)),
        # on the holiday Monday itself -> Tuesday 8:00
        (bogota(2027, 1, 11, 9, 0), bogota(2027, 1, 12, 8, 0)),
        (bogota(2026, 1, 12, 10, 0), bogota(2026, 1, 13, 8, 0)),
        # Holy week 2026: Thursday and Friday are holidays
        (bogota(2026, 4, 1, 16, 0), bogota(2026, 4, 6, 8, 0)),
        # across the new year: 1 January 2027 is a Friday holiday
        (bogota(2026, 12, 31, 16, 0), bogota(2027, 1, 4, 8, 0)),
        # given in UTC: Friday 21:00 UTC is Friday 16:00 Bogotá
        (datetime(2026, 12, 4, 21, 0, tzinfo=timezone.utc), bogota(2026, 12, 7, 8, 0)),
    ],
)
def test_next_opening(moment, expected):
    opening = next_opening(moment, SCHEDULE)
    assert opening == expected
    assert opening.tzinfo == BOGOTA


def test_next_opening_gives_up_after_sixty_days():
    schedule = Schedule(
        extra_closed_dates=frozenset(date(2026, 3, 1) + timedelta(days=n) for n in range(90))
    )
    with pytest.raises(ValueError, match="60 days"):
        next_opening(bogota(2026, 3, 1, 9, 0), schedule)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 8), "La Inmaculada Concepción"),
        (date(2026, 12, 25), "Navidad"),
        (date(2027, 1, 11), "Día de los Reyes Magos (observado)"),
        (date(2027, 1, 6), None),
        (date(2026, 12, 9), None),
        (date(2026, 12, 24), "día no hábil"),
    ],
)
def test_holiday_name(day, expected):
    schedule = Schedule(extra_closed_dates=frozenset({date(2026, 12, 24)}))
    assert holiday_name(day, schedule) == expected


def test_extra_closed_dates_close_the_office():
    schedule = Schedule.from_settings(extra_closed_dates="2026-12-24, 2026-12-31")
    assert not is_open(bogota(2026, 12, 24, 9, 0), schedule)
    assert next_opening(bogota(2026, 12, 23, 17, 0), schedule) == bogota(2026, 12, 28, 8, 0)


def test_schedule_without_holiday_calendar():
    schedule = Schedule.from_settings(holiday_country="")
    assert is_open(bogota(2026, 12, 8, 9, 0), schedule)
    assert holiday_name(date(2026, 12, 8), schedule) is None


@pytest.mark.parametrize(
    ("moment", "part", "greeting"),
    [
        (bogota(2026, 12, 1, 0, 0), "morning", "Buenos días"),
        (bogota(2026, 12, 1, 11, 59, 59), "morning", "Buenos días"),
        (bogota(2026, 12, 1, 12, 0), "afternoon", "Buenas tardes"),
        (bogota(2026, 12, 1, 17, 59, 59), "afternoon", "Buenas tardes"),
        (bogota(2026, 12, 1, 18, 0), "evening", "Buenas noches"),
        (bogota(2026, 12, 1, 23, 59), "evening", "Buenas noches"),
        # 04:00 UTC is 23:00 of the previous day in Bogotá
        (datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc), "evening", "Buenas noches"),
        (datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc), "afternoon", "Buenas tardes"),
    ],
)
def test_part_of_day_and_greeting(moment, part, greeting):
    assert part_of_day(moment) == part
    assert greeting_for(moment) == greeting


def test_default_settings_equal_default_schedule():
    assert Schedule.from_settings() == Schedule()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"shifts": "7:30-12:00, 13:00-17:30"},
            Schedule(shifts=(Shift(time(7, 30), time(12)), Shift(time(13), time(17, 30)))),
        ),
        ({"shifts": "9-13"}, Schedule(shifts=(Shift(time(9), time(13)),))),
        (
            {"shifts": "14:00-16:00,08:00-12:00"},  # order does not matter
            Schedule(),
        ),
        ({"weekdays": "mon,tue,sat"}, Schedule(weekdays=frozenset({0, 1, 5}))),
        ({"weekdays": "Mon-Wed, fri"}, Schedule(weekdays=frozenset({0, 1, 2, 4}))),
        ({"weekdays": "lunes-sábado"}, Schedule(weekdays=frozenset(range(6)))),
        ({"weekdays": "sat-mon"}, Schedule(weekdays=frozenset({5, 6, 0}))),
        ({"holiday_country": "co"}, Schedule()),
        (
            {"extra_closed_dates": "2026-12-24,2026-12-31"},
            Schedule(extra_closed_dates=frozenset({date(2026, 12, 24), date(2026, 12, 31)})),
        ),
    ],
)
def test_from_settings(kwargs, expected):
    assert Schedule.from_settings(**kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"shifts": ""}, "shifts"),
        ({"shifts": "08:00"}, "shifts"),
        ({"shifts": "8am-12pm"}, "shifts"),
        ({"shifts": "12:00-08:00"}, "shifts"),
        ({"shifts": "25:00-26:00"}, "shifts"),
        ({"shifts": "08:00-12:00,11:00-13:00"}, "shifts"),
        ({"weekdays": ""}, "weekdays"),
        ({"weekdays": "mon-funday"}, "weekdays"),
        ({"weekdays": "mon-wed-fri"}, "weekdays"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"extra_closed_dates": "24/12/2026"}, "extra_closed_dates"),
        ({"extra_closed_dates": "2026-02-30"}, "extra_closed_dates"),
    ],
)
def test_from_settings_rejects_bad_values(kwargs, setting):
    with pytest.raises(ValueError, match=f"^{setting} setting: "):
        Schedule.from_settings(**kwargs)


def test_schedule_rejects_inconsistent_values():
    with pytest.raises(ValueError):
        Shift(time(12), time(8))
    with pytest.raises(ValueError):
        Schedule(shifts=())
    with pytest.raises(ValueError):
        Schedule(weekdays=frozenset({7}))


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            Schedule(),
            "de lunes a viernes, de 8:00 a. m. a 12:00 m. y de 2:00 p. m. a 4:00 p. m., "
            "excepto los días festivos",
        ),
        (
            Schedule.from_settings(shifts="07:30-13:00", weekdays="mon,wed,sat"),
            "los lunes, miércoles y sábados, de 7:30 a. m. a 1:00 p. m., excepto los días festivos",
        ),
        (
            Schedule.from_settings(weekdays="mon-sun", holiday_country=""),
            "todos los días, de 8:00 a. m. a 12:00 m. y de 2:00 p. m. a 4:00 p. m.",
        ),
    ],
)
def test_describe_schedule(schedule, expected):
    assert describe_schedule(schedule) == expected


@pytest.mark.parametrize(
    ("opening", "now", "expected"),
    [
        (bogota(2026, 12, 1, 14, 0), bogota(2026, 12, 1, 12, 30), "hoy a las 2:00 p. m."),
        (bogota(2026, 12, 1, 8, 0), bogota(2026, 12, 1, 6, 0), "hoy a las 8:00 a. m."),
        (bogota(2026, 12, 1, 13, 0), bogota(2026, 12, 1, 12, 0), "hoy a la 1:00 p. m."),
        (
            bogota(2026, 12, 9, 8, 0),
            bogota(2026, 12, 8, 10, 0),
            "mañana, miércoles 9 de diciembre, a las 8:00 a. m.",
        ),
        (
            bogota(2026, 12, 14, 8, 0),
            bogota(2026, 12, 11, 17, 0),
            "el lunes 14 de diciembre a las 8:00 a. m.",
        ),
        (
            bogota(2027, 1, 4, 8, 0),
            bogota(2026, 12, 31, 16, 0),
            "el lunes 4 de enero de 2027 a las 8:00 a. m.",
        ),
        (
            bogota(2027, 1, 1, 8, 0),
            bogota(2026, 12, 31, 16, 0),
            "mañana, viernes 1 de enero, a las 8:00 a. m.",
        ),
        # "now" in UTC late at night is already the next day in UTC, not in Bogotá
        (
            bogota(2026, 12, 2, 8, 0),
            datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc),
            "mañana, miércoles 2 de diciembre, a las 8:00 a. m.",
        ),
    ],
)
def test_describe_opening(opening, now, expected):
    assert describe_opening(opening, now) == expected


def test_describe_next_opening_after_holiday_monday():
    now = bogota(2027, 1, 8, 19, 0)
    opening = next_opening(now, SCHEDULE)
    assert describe_opening(opening, now) == "el martes 12 de enero a las 8:00 a. m."
