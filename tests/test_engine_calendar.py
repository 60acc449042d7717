"""Local days and offset transitions, computed in Python (no database)."""

import datetime
import zoneinfo

import pytest

from trackstats.engine.calendar import UTC, day_start, local_date, shift_pieces

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
LORD_HOWE = zoneinfo.ZoneInfo("Australia/Lord_Howe")  # +10:30, DST +11:00 (half an hour)


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def shift_of(pieces, instant):
    current = pieces[0].seconds
    for piece in pieces[1:]:
        if instant >= piece.since:
            current = piece.seconds
    return current


@pytest.mark.parametrize(
    ("zone", "seconds"),
    [
        ("Pacific/Kiritimati", 14 * 3600),
        ("Pacific/Pago_Pago", -11 * 3600),
        ("Asia/Kolkata", 5 * 3600 + 1800),
        ("UTC", 0),
    ],
)
def test_fixed_offset_zone_has_one_piece(zone, seconds):
    pieces = shift_pieces(utc(2024, 1, 1), utc(2025, 1, 1), zoneinfo.ZoneInfo(zone))
    assert [(p.since, p.seconds) for p in pieces] == [(None, seconds)]


def test_dst_transitions_are_found_to_the_second():
    pieces = shift_pieces(utc(2024, 1, 1), utc(2025, 1, 1), AMSTERDAM)
    assert [(p.since, p.seconds) for p in pieces] == [
        (None, 3600),
        (utc(2024, 3, 31, 1), 7200),
        (utc(2024, 10, 27, 1), 3600),
    ]


def test_half_hour_dst_of_lord_howe():
    pieces = shift_pieces(utc(2024, 1, 1), utc(2025, 1, 1), LORD_HOWE)
    assert [p.seconds for p in pieces] == [11 * 3600, 10 * 3600 + 1800, 11 * 3600]


def test_shift_relative_to_a_storage_zone():
    # A database that stores Amsterdam wall-clock readings, read in UTC.
    pieces = shift_pieces(utc(2024, 3, 1), utc(2024, 4, 1), UTC, storage=AMSTERDAM)
    assert [(p.since, p.seconds) for p in pieces] == [
        (None, -3600),
        (utc(2024, 3, 31, 1), -7200),
    ]


@pytest.mark.parametrize(
    "zone", ["Europe/Amsterdam", "America/Santiago", "Australia/Lord_Howe", "Pacific/Apia"]
)
def test_shifted_reading_gives_the_wall_clock_date(zone):
    tz = zoneinfo.ZoneInfo(zone)
    start, end = utc(2011, 1, 1), utc(2012, 12, 31)
    pieces = shift_pieces(start, end, tz)
    instant = start
    while instant < end:
        naive = instant.replace(tzinfo=None)
        shifted = naive + datetime.timedelta(seconds=shift_of(pieces, instant))
        assert shifted.date() == local_date(instant, tz), instant
        instant += datetime.timedelta(minutes=97)


def test_day_start_is_the_first_instant_of_the_local_date():
    assert day_start(datetime.date(2024, 3, 31), AMSTERDAM) == utc(2024, 3, 30, 23)
    assert day_start(datetime.date(2024, 4, 1), AMSTERDAM) == utc(2024, 3, 31, 22)
    kiritimati = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    assert day_start(datetime.date(2024, 1, 1), kiritimati) == utc(2023, 12, 31, 10)


def test_day_start_where_midnight_is_skipped():
    # Santiago springs forward at local midnight: 2024-09-08 begins at 01:00 (-03).
    santiago = zoneinfo.ZoneInfo("America/Santiago")
    start = day_start(datetime.date(2024, 9, 8), santiago)
    assert local_date(start, santiago) == datetime.date(2024, 9, 8)
    assert local_date(start - datetime.timedelta(microseconds=1), santiago) == datetime.date(
        2024, 9, 7
    )


def test_a_skipped_day_has_no_instants():
    # Samoa skipped 2011-12-30 when it moved across the date line.
    apia = zoneinfo.ZoneInfo("Pacific/Apia")
    skipped = datetime.date(2011, 12, 30)
    assert day_start(skipped, apia) == day_start(skipped + datetime.timedelta(days=1), apia)


@pytest.mark.parametrize("name", ["UTC", "Etc/UTC", "Etc/Universal", "Zulu"])
def test_utc_names_and_fixed_offsets_have_one_piece_whatever_the_range(name):
    fixed = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    for tz, storage, seconds in [
        (zoneinfo.ZoneInfo(name), UTC, 0),
        (fixed, zoneinfo.ZoneInfo(name), 19800),
        (zoneinfo.ZoneInfo(name), fixed, -19800),
    ]:
        pieces = shift_pieces(utc(1990, 1, 1), utc(2030, 1, 1), tz, storage)
        assert [(p.since, p.seconds) for p in pieces] == [(None, seconds)]


def test_a_fixed_zone_against_a_storage_zone_with_dst_still_has_its_transitions():
    fixed = datetime.timezone(datetime.timedelta(hours=1))
    pieces = shift_pieces(utc(2024, 1, 1), utc(2025, 1, 1), fixed, AMSTERDAM)
    assert [p.seconds for p in pieces] == [0, -3600, 0]
    assert pieces[1].since == utc(2024, 3, 31, 1)
