"""A year of made-up but plausible shop activity, the same on every machine.

Users sign up at a growing pace; early users buy more; orders and comments follow the
rhythm of the week and the day, with a rush in late November and December. Every draw
comes from one seeded generator, so runs on the same date produce the same rows, except
that today's events are squeezed into the hours that have passed so far.
"""

from __future__ import annotations

import bisect
import datetime
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from .models import Comment, Order

SEED = 2026
DAYS = 365
BATCH_SIZE = 5000

# Shares of the requested row count per table.
USER_SHARE = 0.06
ORDER_SHARE = 0.58

# Monday first: shops sell more on weekends, people comment more on weekdays.
ORDER_WEEKDAY = (0.9, 0.85, 0.9, 0.95, 1.1, 1.35, 1.25)
COMMENT_WEEKDAY = (1.1, 1.1, 1.05, 1.0, 0.95, 0.85, 0.9)
# Local hour of day, 0..23: quiet nights, busy evenings.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 9, 8, 8, 8, 8, 9, 11, 12, 12, 10, 6, 3)
STATUS_WEIGHTS = {
    Order.Status.PAID: 22,
    Order.Status.SHIPPED: 70,
    Order.Status.REFUNDED: 5,
    Order.Status.CANCELLED: 3,
}
COMMENT_TEXTS = (
    "Arrived quickly, well packed.",
    "Exactly as described.",
    "Good value for the money.",
    "Size runs a bit small.",
    "Second time I ordered this, still happy.",
    "Customer service sorted out my question within the hour.",
    "Colour is slightly different from the photo.",
    "Would buy again.",
    "Took a week to arrive, but worth the wait.",
    "Great gift idea.",
)


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind to generate."""

    users: int
    orders: int
    comments: int

    @classmethod
    def for_total(cls, rows: int) -> Plan:
        if rows < 100:
            raise ValueError(f"rows must be at least 100, got {rows}")
        users = max(10, round(rows * USER_SHARE))
        orders = round(rows * ORDER_SHARE)
        return cls(users=users, orders=orders, comments=rows - users - orders)

    @property
    def total(self) -> int:
        return self.users + self.orders + self.comments


class ProgressBar:
    """A one-line text bar, redrawn in place on a terminal, printed once per step elsewhere."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stdout
        self.width = width
        self.done = 0
        self.printed = 0
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label} [{bar}] {100 * self.done // self.total:3d}%  {self.done:,} rows"
        if self.interactive:
            self.stream.write("\r" + line)
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or self.done * 10 // self.total > self.printed:
            # Without a terminal, one line per tenth keeps logs short.
            self.printed = self.done * 10 // self.total
            self.stream.write(line + "\n")
        self.stream.flush()


def generate(rows: int, today: datetime.date | None = None, stream: TextIO | None = None) -> Plan:
    """Create about ``rows`` rows of users, orders and comments ending today."""
    plan = Plan.for_total(rows)
    today = today or timezone.localdate()
    now = timezone.now()
    rng = random.Random(SEED)
    calendar = _Calendar(today, now)
    bar = ProgressBar(plan.total, "Generating shop data", stream)
    with transaction.atomic():
        user_ids, joined = _create_users(rng, calendar, plan.users, bar)
        _insert(
            Order,
            _orders(rng, calendar, plan.orders, user_ids, joined),
            bar,
        )
        _insert(
            Comment,
            _comments(rng, calendar, plan.comments, user_ids, joined),
            bar,
        )
    return plan


class _Calendar:
    """Local days of the year that ends today, and random instants within them."""

    def __init__(self, today: datetime.date, now: datetime.datetime) -> None:
        self.tz = timezone.get_current_timezone()
        self.first = today - datetime.timedelta(days=DAYS - 1)
        self.now = now
        self.days = [self.first + datetime.timedelta(days=i) for i in range(DAYS)]

    def growth(self, index: int) -> float:
        # The shop roughly triples its activity over the year.
        return 1.0 + 2.0 * index / (DAYS - 1)

    def season(self, day: datetime.date) -> float:
        if (day.month == 11 and day.day >= 24) or day.month == 12:
            return 1.6
        if day.month in (7, 8):
            return 0.85
        return 1.0

    def instant(self, rng: random.Random, day: datetime.date) -> datetime.datetime:
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime.datetime.combine(day, datetime.time(hour), tzinfo=self.tz)
        moment = local + datetime.timedelta(seconds=rng.randrange(3600))
        if moment > self.now:
            # Today is not over yet: squeeze the event into the part that happened.
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=self.tz)
            span = max((self.now - start).total_seconds(), 1.0)
            moment = start + datetime.timedelta(seconds=rng.random() * span)
        return moment


def _create_users(
    rng: random.Random, calendar: _Calendar, count: int, bar: ProgressBar
) -> tuple[list[int], list[datetime.datetime]]:
    user_model = get_user_model()
    weights = [calendar.growth(i) for i in range(DAYS)]
    days = sorted(rng.choices(calendar.days, weights=weights, k=count))
    joined = sorted(calendar.instant(rng, day) for day in days)
    start = user_model.objects.count()
    users = [
        user_model(
            username=f"customer{start + n:06d}",
            email=f"customer{start + n:06d}@example.com",
            first_name=rng.choice(("Ada", "Bram", "Chloé", "Daan", "Eva", "Femke", "Gijs")),
            # "!" marks an unusable password: these customers cannot log in.
            password="!",
            date_joined=moment,
        )
        for n, moment in enumerate(joined)
    ]
    created: list = []
    for batch in _batches(iter(users)):
        created.extend(user_model.objects.bulk_create(batch))
        bar.advance(len(batch))
    if any(user.pk is None for user in created):
        # Backends that do not return primary keys from bulk inserts.
        usernames = [user.username for user in users]
        created = list(user_model.objects.filter(username__in=usernames).order_by("date_joined"))
    return [user.pk for user in created], [user.date_joined for user in created]


def _pick_user(
    rng: random.Random, moment: datetime.datetime, user_ids: list[int], joined: list
) -> tuple[int, datetime.datetime] | None:
    signed_up = bisect.bisect_right(joined, moment)
    if not signed_up:
        return None
    # Early customers are the loyal ones: skew the pick towards the start.
    index = int(signed_up * rng.random() ** 1.6)
    return user_ids[index], joined[index]


def _events(
    rng: random.Random,
    calendar: _Calendar,
    count: int,
    weekday: tuple[float, ...],
    user_ids: list[int],
    joined: list[datetime.datetime],
) -> Iterator[tuple[datetime.datetime, int]]:
    weights = [
        calendar.growth(i) * weekday[day.weekday()] * calendar.season(day)
        for i, day in enumerate(calendar.days)
    ]
    days = rng.choices(calendar.days, weights=weights, k=count)
    days.sort()
    for day in days:
        moment = calendar.instant(rng, day)
        picked = _pick_user(rng, moment, user_ids, joined)
        if picked is None:
            # Nobody had signed up yet at that moment: the first user acts instead.
            user_id, moment = user_ids[0], joined[0] + datetime.timedelta(minutes=5)
            moment = min(moment, calendar.now)
        else:
            user_id = picked[0]
        yield moment, user_id


def _orders(rng, calendar, count, user_ids, joined) -> Iterator[Order]:
    statuses = list(STATUS_WEIGHTS)
    status_weights = list(STATUS_WEIGHTS.values())
    for moment, user_id in _events(rng, calendar, count, ORDER_WEEKDAY, user_ids, joined):
        items = 1 + min(int(rng.expovariate(0.9)), 8)
        # Prices are log-normal: many small orders, a long tail of big ones.
        unit = math.exp(rng.gauss(3.3, 0.55))
        yield Order(
            user_id=user_id,
            created=moment,
            items=items,
            amount=Decimal(f"{unit * items:.2f}"),
            status=rng.choices(statuses, weights=status_weights)[0],
        )


def _comments(rng, calendar, count, user_ids, joined) -> Iterator[Comment]:
    for moment, user_id in _events(rng, calendar, count, COMMENT_WEEKDAY, user_ids, joined):
        yield Comment(user_id=user_id, timestamp=moment, text=rng.choice(COMMENT_TEXTS))


def _insert(model: type[models.Model], objects: Iterator, bar: ProgressBar) -> None:
    for batch in _batches(objects):
        model.objects.bulk_create(batch)
        bar.advance(len(batch))


def _batches(items: Iterator) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch
