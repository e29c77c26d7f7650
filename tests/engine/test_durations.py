"""WAIT ``duration`` and ``until`` parsing like the server's DateTimeUtils (docs/semantics.md §4.12).

Cases marked "verified on 3.32.1" were run as WAIT tasks on the real server (its default time
zone is UTC); the callbackAfterSeconds it computed matched these values.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conductor_testkit.engine.durations import parse_duration_seconds, parse_until_millis


def epoch_ms(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, offset_hours: float = 0
) -> int:
    tz = timezone(timedelta(hours=offset_hours))
    return int(datetime(year, month, day, hour, minute, tzinfo=tz).timestamp() * 1000)


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("10m20s", 620),  # verified on 3.32.1
        ("2 hours 30 minutes", 9000),  # verified on 3.32.1
        ("30 seconds", 30),
        ("1d", 86400),
        ("1 day 1 hour 1 minute 1 second", 90061),
        ("3 days", 259200),
        ("2hrs", 7200),
        ("5 mins", 300),
        ("1D 2H", 93600),
        ("  5s  ", 5),
        ("", 0),
    ],
)
def test_valid_durations(text, seconds):
    assert parse_duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["5", "1h1d", "10s5m", "10ms", "1 week", "-5s", "1.5h", "five seconds"])
def test_invalid_durations(text):
    with pytest.raises(ValueError) as info:
        parse_duration_seconds(text)
    assert str(info.value) == f"Not valid duration: {text}"


def test_days_overflow_like_java_int():
    assert parse_duration_seconds("30000d") == -1702967296  # verified on 3.32.1


def test_number_too_large_for_an_int():
    with pytest.raises(ValueError, match='For input string: "99999999999"'):
        parse_duration_seconds("99999999999s")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2030-01-01 10:00", epoch_ms(2030, 1, 1, 10, 0)),
        ("2030-01-01", epoch_ms(2030, 1, 1)),
        ("2030-01-01 10:00 UTC", epoch_ms(2030, 1, 1, 10, 0)),
        ("2030-01-01 10:00 utc", epoch_ms(2030, 1, 1, 10, 0)),
        ("2030-01-01 10:00 GMT+04:00", epoch_ms(2030, 1, 1, 10, 0, offset_hours=4)),
        ("2030-01-01 10:00 gmt+04:00", epoch_ms(2030, 1, 1, 10, 0, offset_hours=4)),
        ("2030-01-01 10:00 GMT+04:30", epoch_ms(2030, 1, 1, 10, 0, offset_hours=4.5)),
        ("2030-01-01 10:00 +0400", epoch_ms(2030, 1, 1, 10, 0, offset_hours=4)),
        ("2030-01-01 10:00 -0530", epoch_ms(2030, 1, 1, 10, 0, offset_hours=-5.5)),
        ("2030-01-01 10:00 PST", epoch_ms(2030, 1, 1, 10, 0, offset_hours=-8)),
        ("2030-01-01 10:00 CET", epoch_ms(2030, 1, 1, 10, 0, offset_hours=1)),
        ("2030-01-01 10:00 CST", epoch_ms(2030, 1, 1, 10, 0, offset_hours=-6)),
        ("2030-01-01 10:00 IST", epoch_ms(2030, 1, 1, 10, 0, offset_hours=2)),
        ("2030-01-01 10:00 EDT", epoch_ms(2030, 1, 1, 10, 0, offset_hours=-4)),
        ("2030-01-01 10:00 Central European Standard Time", epoch_ms(2030, 1, 1, 10, 0, offset_hours=1)),
        ("2030-13-01", epoch_ms(2031, 1, 1)),
        ("2030-01-01 25:00", epoch_ms(2030, 1, 2, 1, 0)),
        ("2030-1-1 1:2", epoch_ms(2030, 1, 1, 1, 2)),
        (" 2030-01-01", epoch_ms(2030, 1, 1)),
        ("2030-01-01  10:00", epoch_ms(2030, 1, 1, 10, 0)),
    ],
)
def test_valid_until(text, expected):
    assert parse_until_millis(text) == expected  # each verified on 3.32.1


def test_until_beyond_year_9999():
    # verified on 3.32.1: lenient years of any length; the server's callbackAfterSeconds for
    # 20300-01-01 exceeded the one for 2030-01-01 by 576545472000 s
    assert parse_until_millis("20300-01-01") - parse_until_millis("2030-01-01") == 576545472000 * 1000


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "2030-01-01T10:00",
        "2030-01-01 10:00 Z",
        "2030-01-01 10:00 GMT+4",
        "2030-01-01 10:00 +04:00",
        "2030-01-01 10:00 UT",
        "2030-01-01 10:00 America/New_York",
        "2030-01-01 10:00  UTC",
        "2030-01-01 10:00 UTC ",
        "",
    ],
)
def test_invalid_until(text):
    with pytest.raises(ValueError) as info:
        parse_until_millis(text)
    # verified on 3.32.1
    assert str(info.value) == f"Invalid/Unsupported Wait Until format.  Provided: {text}"


def test_until_without_zone_uses_the_given_time_zone():
    plus_two = timezone(timedelta(hours=2))
    assert parse_until_millis("2030-01-01 10:00", plus_two) == epoch_ms(2030, 1, 1, 10, 0, offset_hours=2)


def test_zone_in_the_text_wins_over_the_given_time_zone():
    plus_two = timezone(timedelta(hours=2))
    assert parse_until_millis("2030-01-01 10:00 UTC", plus_two) == epoch_ms(2030, 1, 1, 10, 0)
