"""One parser per kind of value; each raises SettingError naming the variable.

A parser takes the variable's name and its raw value (stripped, never empty: an unset
or empty variable means the default and is not parsed) and returns the value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from settings.defaults import DEFAULT_DATABASE_URL
from store.clock import Clock, clock_from_setting

Parser = Callable[[str, str], Any]

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class SettingError(ValueError):
    """A setting with a value that cannot be used; the message names the variable."""


def text(name: str, raw: str) -> str:
    """Any text."""
    return raw


def path(name: str, raw: str) -> Path:
    """A file or folder (relative to the folder the process starts in)."""
    return Path(raw)


def _positive_whole(name: str, raw: str, what: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be {what}, not {raw!r}") from None
    if value <= 0:
        raise SettingError(f"{name} must be positive, not {value}")
    return value


def positive_int(name: str, raw: str) -> int:
    """A whole number, 1 or more."""
    return _positive_whole(name, raw, "a whole number")


def seconds(name: str, raw: str) -> int:
    """A whole number of seconds, 1 or more."""
    return _positive_whole(name, raw, "a whole number of seconds")


def days(name: str, raw: str) -> int:
    """A whole number of days, 1 or more."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise SettingError(f"{name} must be a whole number of days (1 or more), not {raw!r}")
    return int(raw)


def count(name: str, raw: str) -> int:
    """A whole number, 0 or more."""
    if not (raw.isascii() and raw.isdigit()):
        raise SettingError(f"{name} must be a whole number, 0 or more, not {raw!r}")
    return int(raw)


def positive_seconds(name: str, raw: str) -> float:
    """A number of seconds greater than 0 (fractions allowed)."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise SettingError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


def port(name: str, raw: str) -> int:
    """A TCP port, 1 to 65535."""
    value = positive_int(name, raw)
    if value > 65535:
        raise SettingError(f"{name} must be a TCP port (1-65535), not {value}")
    return value


def boolean(name: str, raw: str) -> bool:
    """true/false, yes/no, on/off or 1/0, in any case."""
    lowered = raw.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise SettingError(f"{name} must be true or false, not {lowered!r}")


def choice(*options: str) -> Parser:
    """One of `options`, in any case (the value is lowercased)."""

    def parse(name: str, raw: str) -> str:
        lowered = raw.lower()
        if lowered not in options:
            raise SettingError(f"{name} must be one of {', '.join(options)}, not {lowered!r}")
        return lowered

    parse.__doc__ = f"One of {', '.join(options)}."
    return parse


def _is_http(parsed: Any) -> bool:
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def web_url(name: str, raw: str) -> str:
    """An http(s) address, such as https://www.example.org/page."""
    if not _is_http(urlsplit(raw)):
        raise SettingError(f"{name} must be an http:// or https:// address, not {raw!r}")
    return raw


def base_url(name: str, raw: str) -> str:
    """An http(s) address without the final slash, such as http://127.0.0.1:5005."""
    return web_url(name, raw.rstrip("/"))


def base_urls(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated http(s) addresses, such as http://127.0.0.1:5005,http://127.0.0.1:5006."""
    values = tuple(base_url(name, part.strip()) for part in raw.split(",") if part.strip())
    if not values:
        raise SettingError(f"{name} must list at least one http:// or https:// address")
    return values


def socket_url(name: str, raw: str) -> str:
    """An http(s) origin, no path, such as https://chat.example.org:5005."""
    value = raw.rstrip("/")
    parsed = urlsplit(value)
    if not _is_http(parsed) or parsed.path:
        raise SettingError(f"{name} must be like https://chat.example.org:5005, not {value!r}")
    return value


def origins(name: str, raw: str) -> tuple[str, ...]:
    """`*` (any site) or comma-separated origins such as https://www.example.org."""
    if raw == "*":
        return ("*",)
    values = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in values:
        parsed = urlsplit(origin)
        if not _is_http(parsed) or parsed.path:
            raise SettingError(f"{name}: {origin!r} is not an origin like https://www.example.org")
    return values or ("*",)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def database_url(name: str, raw: str) -> str:
    """An SQLAlchemy URL, such as the default or postgresql://user@host/db."""
    if not _SCHEME.match(raw):
        raise SettingError(
            f"{name} must be an SQLAlchemy URL like {DEFAULT_DATABASE_URL} or "
            f"postgresql://user:password@host:5432/tenjo, not {raw!r}"
        )
    return raw


def redis_url(name: str, raw: str) -> str:
    """A Redis URL: redis://, rediss:// or unix://."""
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix") or "://" not in raw:
        raise SettingError(f"{name} must be a Redis URL like redis://127.0.0.1:6379/0, not {raw!r}")
    return raw


def clock(name: str, raw: str) -> Clock:
    """A fixed time (ISO with offset), or @file holding one (read on every call)."""
    if not raw.startswith("@"):
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise SettingError(
                f"{name} must be an ISO time with offset, such as "
                f"2026-12-01T09:00:00-05:00, or @file, not {raw!r}"
            ) from None
        if moment.tzinfo is None:
            raise SettingError(f"{name} needs a time zone offset: {raw!r}")
    return clock_from_setting(raw)


def country(name: str, raw: str) -> str:
    """A country code such as CO (which ones have holidays is checked by the actions)."""
    code = raw.upper()
    if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3):
        raise SettingError(f"{name} must be a country code such as CO, not {raw!r}")
    return code


# Staffed hours. actions/office_hours.py parses its own arguments with these too, so
# the label is the first words of the message ("OFFICE_SHIFTS: ...").

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")

WEEKDAY_ALIASES = {
    alias: index
    for index, aliases in enumerate(
        (
            ("mon", "monday", "lun", "lunes"),
            ("tue", "tues", "tuesday", "mar", "martes"),
            ("wed", "wednesday", "mie", "miercoles"),
            ("thu", "thur", "thurs", "thursday", "jue", "jueves"),
            ("fri", "friday", "vie", "viernes"),
            ("sat", "saturday", "sab", "sabado"),
            ("sun", "sunday", "dom", "domingo"),
        )
    )
    for alias in aliases
}  # compared lowercase and without accents


def _time_of_day(label: str, raw: str) -> time:
    match = _TIME.match(raw.strip())
    if not match:
        raise SettingError(f"{label}: {raw.strip()!r} is not a time like 08:00")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise SettingError(f"{label}: {raw.strip()!r} is not a valid time of day")
    return time(hour, minute)


def shifts(label: str, raw: str) -> tuple[tuple[time, time], ...]:
    """Comma-separated ranges such as 08:00-12:00,14:00-16:00 (sorted, none overlapping)."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts:
        raise SettingError(f"{label}: empty; expected e.g. '08:00-12:00,14:00-16:00'")
    ranges = []
    for part in parts:
        bounds = part.split("-")
        if len(bounds) != 2:
            raise SettingError(f"{label}: {part!r} is not a range like 08:00-12:00")
        start, end = (_time_of_day(label, bound) for bound in bounds)
        if start >= end:
            raise SettingError(f"{label}: {part!r} ends before it starts")
        ranges.append((start, end))
    ranges.sort()
    for earlier, later in zip(ranges, ranges[1:], strict=False):
        if later[0] < earlier[1]:
            raise SettingError(f"{label}: {raw.strip()!r} has overlapping ranges")
    return tuple(ranges)


def _without_accents(raw: str) -> str:
    decomposed = unicodedata.normalize("NFD", raw)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _weekday(label: str, raw: str) -> int:
    key = _without_accents(raw.strip().lower())
    if key not in WEEKDAY_ALIASES:
        raise SettingError(
            f"{label}: {raw.strip()!r} is not a weekday; use e.g. 'mon-fri' or 'mon,tue,sat'"
        )
    return WEEKDAY_ALIASES[key]


def weekdays(label: str, raw: str) -> frozenset[int]:
    """Days (0 is Monday) such as mon-fri, mon,wed,sat or sat-mon (English or Spanish)."""
    parts = [part for part in raw.split(",") if part.strip()]
    if not parts:
        raise SettingError(f"{label}: empty; expected e.g. 'mon-fri'")
    found: set[int] = set()
    for part in parts:
        bounds = part.split("-")
        if len(bounds) == 1:
            found.add(_weekday(label, bounds[0]))
        elif len(bounds) == 2:
            first, last = (_weekday(label, bound) for bound in bounds)
            span = (last - first) % 7  # ranges may wrap around, e.g. "sat-mon"
            found.update((first + offset) % 7 for offset in range(span + 1))
        else:
            raise SettingError(f"{label}: {part.strip()!r} is not a day or a day range")
    return frozenset(found)


def dates(label: str, raw: str) -> frozenset[date]:
    """Comma-separated days such as 2026-12-24,2026-12-31 (may be empty)."""
    found = set()
    for part in (part.strip() for part in raw.split(",")):
        if not part:
            continue
        try:
            found.add(date.fromisoformat(part))
        except ValueError:
            raise SettingError(f"{label}: {part!r} is not a date like 2026-12-24") from None
    return frozenset(found)
