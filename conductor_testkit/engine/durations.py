"""WAIT task ``duration`` and ``until`` parsing like the server's DateTimeUtils (docs/semantics.md §4.12).

``duration``: optional parts in the fixed order days, hours, minutes, seconds, each
``<digits><spaces?><unit>``, case-insensitive (``10m20s``, ``2 hours 30 minutes``); a blank text
matches (0 seconds) — the WAIT mapper treats blank as "no duration" before parsing.

``until``: ``yyyy-MM-dd HH:mm``, ``yyyy-MM-dd HH:mm z`` or ``yyyy-MM-dd``, parsed leniently as
Java's commons-lang ``DateUtils.parseDate`` does (month 13 rolls into the next year, hour 25 into
the next day, any number of digits per field). Without a zone the server uses its JVM's default
time zone; here the ``tz`` argument, UTC by default (the pinned server runs in UTC). Zones: ``GMT+04:00``
style, ``+0400`` style, and a table of the abbreviations and long names Java knows (``UTC``,
``CET``, ``PST``, ``Central European Standard Time``, ...; fixed offsets: a standard-time name
never switches to daylight time). IANA ids (``America/New_York``) and ``Z`` are rejected, as on
the server (verified on 3.32.1).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Dict, Optional

_WS = r"[ \t\n\x0B\f\r]"
_DURATION_RE = re.compile(
    rf"{_WS}*(?:([0-9]+){_WS}*(?:days?|d))?"
    rf"{_WS}*(?:([0-9]+){_WS}*(?:hours?|hrs?|h))?"
    rf"{_WS}*(?:([0-9]+){_WS}*(?:minutes?|mins?|m))?"
    rf"{_WS}*(?:([0-9]+){_WS}*(?:seconds?|secs?|s))?"
    rf"{_WS}*",
    re.IGNORECASE,
)

_INT_MAX = 2**31 - 1


def _java_int(text: str) -> int:
    value = int(text)
    if value > _INT_MAX:
        # Integer.parseInt's NumberFormatException (an IllegalArgumentException on the server)
        raise ValueError(f'For input string: "{text}"')
    return value


def _wrap_int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def parse_duration_seconds(text: str) -> int:
    """Seconds of a WAIT ``duration`` such as ``"10m20s"`` or ``"2 hours 30 minutes"``.

    Raises ``ValueError("Not valid duration: <text>")`` for anything else (a bare number, units
    out of order, unknown units). Like the server, ``days * 86400`` is computed in 32-bit
    arithmetic, so more than 24855 days wraps around (verified on 3.32.1: ``30000d`` ->
    ``-1702967296``).
    """
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"Not valid duration: {text}")
    days, hours, minutes, seconds = (_java_int(g) if g is not None else 0 for g in match.groups())
    return _wrap_int32(days * 86400) + (hours * 60 + minutes) * 60 + seconds


_HOUR = 3600
# Zone names Java accepts in "yyyy-MM-dd HH:mm z", as fixed offsets in seconds. Where Java's
# tables are ambiguous, the offset is the one the server chose (verified on 3.32.1: CST -6,
# IST +2, BST +1).
_ZONE_OFFSETS: Dict[str, int] = {
    "utc": 0,
    "gmt": 0,
    "coordinated universal time": 0,
    "greenwich mean time": 0,
    "wet": 0,
    "west": _HOUR,
    "bst": _HOUR,
    "cet": _HOUR,
    "cest": 2 * _HOUR,
    "central european standard time": _HOUR,
    "central european summer time": 2 * _HOUR,
    "eet": 2 * _HOUR,
    "eest": 3 * _HOUR,
    "ist": 2 * _HOUR,
    "msk": 3 * _HOUR,
    "jst": 9 * _HOUR,
    "japan standard time": 9 * _HOUR,
    "kst": 9 * _HOUR,
    "awst": 8 * _HOUR,
    "acst": 9 * _HOUR + 1800,
    "acdt": 10 * _HOUR + 1800,
    "aest": 10 * _HOUR,
    "aedt": 11 * _HOUR,
    "nzst": 12 * _HOUR,
    "nzdt": 13 * _HOUR,
    "hst": -10 * _HOUR,
    "akst": -9 * _HOUR,
    "akdt": -8 * _HOUR,
    "pst": -8 * _HOUR,
    "pdt": -7 * _HOUR,
    "pacific standard time": -8 * _HOUR,
    "pacific daylight time": -7 * _HOUR,
    "mst": -7 * _HOUR,
    "mdt": -6 * _HOUR,
    "mountain standard time": -7 * _HOUR,
    "mountain daylight time": -6 * _HOUR,
    "cst": -6 * _HOUR,
    "cdt": -5 * _HOUR,
    "central standard time": -6 * _HOUR,
    "central daylight time": -5 * _HOUR,
    "est": -5 * _HOUR,
    "edt": -4 * _HOUR,
    "eastern standard time": -5 * _HOUR,
    "eastern daylight time": -4 * _HOUR,
}

_UNTIL_RE = re.compile(
    rf"{_WS}*([0-9]+)-([0-9]+)-([0-9]+)(?:{_WS}+([0-9]+):([0-9]+)(?: (.+))?)?"
)
_GMT_OFFSET_RE = re.compile(r"gmt([+-])([0-9]{1,2}):([0-9]{2})", re.IGNORECASE)
_RFC_OFFSET_RE = re.compile(r"([+-])([0-9]{2})([0-9]{2})")


def _zone_offset_seconds(zone: str) -> Optional[int]:
    gmt = _GMT_OFFSET_RE.fullmatch(zone)
    if gmt:
        sign = -1 if gmt.group(1) == "-" else 1
        return sign * (int(gmt.group(2)) * 3600 + int(gmt.group(3)) * 60)
    rfc = _RFC_OFFSET_RE.fullmatch(zone)
    if rfc:
        sign = -1 if rfc.group(1) == "-" else 1
        return sign * (int(rfc.group(2)) * 3600 + int(rfc.group(3)) * 60)
    return _ZONE_OFFSETS.get(zone.lower())


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year; month 1..12)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_until_millis(text: str, tz: Optional[tzinfo] = None) -> int:
    """Epoch milliseconds of a WAIT ``until`` such as ``"2024-04-30 15:20 GMT+04:00"``.

    Without a zone in the text, ``tz`` (default UTC) applies. Raises
    ``ValueError("Invalid/Unsupported Wait Until format.  Provided: <text>")`` when unparsable.
    """
    error = ValueError(f"Invalid/Unsupported Wait Until format.  Provided: {text}")
    match = _UNTIL_RE.fullmatch(text)
    if match is None:
        raise error
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    hour = int(match.group(4) or 0)
    minute = int(match.group(5) or 0)
    zone = match.group(6)
    # lenient calendar: month 13 is January of the next year, day 0 the last day before, ...
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = _days_from_civil(year, month, 1) + day - 1
    local_seconds = days * 86400 + hour * 3600 + minute * 60
    if zone is not None:
        offset = _zone_offset_seconds(zone)
        if offset is None:
            raise error
    else:
        offset = _local_offset_seconds(local_seconds, tz or timezone.utc)
    return (local_seconds - offset) * 1000


def _local_offset_seconds(local_seconds: int, tz: tzinfo) -> int:
    try:
        local = datetime(1970, 1, 1) + timedelta(seconds=local_seconds)
    except OverflowError:
        return 0
    delta = tz.utcoffset(local.replace(tzinfo=tz))
    return int(delta.total_seconds()) if delta is not None else 0


__all__ = ["parse_duration_seconds", "parse_until_millis"]
