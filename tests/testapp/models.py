"""Source models the tests track, and custom statistic models.

After changing these models run `python -m django makemigrations testapp
--settings=tests.settings --pythonpath=.`: PostgreSQL and MariaDB need the migration
(an app without migrations cannot point at the migrated trackstats tables).
"""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models

from trackstats.models import AbstractStatistic


class Customer(models.Model):
    name = models.CharField(max_length=100)
    joined = models.DateTimeField()


class BigCustomer(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100)


class UUIDCustomer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=100)


class Shop(models.Model):
    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    uuid_customer = models.ForeignKey(
        UUIDCustomer, on_delete=models.CASCADE, null=True, blank=True, related_name="orders"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True)
    created = models.DateTimeField(db_index=True)
    # A date field with its own column name, to prove no SQL is assembled by hand.
    booked_on = models.DateField(null=True, blank=True, db_column="booking_day")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    quantity = models.IntegerField(default=1)
    status = models.CharField(max_length=20, default="paid")
    country = models.CharField(max_length=2, default="NL")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(max_length=40)
    quantity = models.IntegerField(default=1)


class Comment(models.Model):
    user = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="comments")
    timestamp = models.DateTimeField(db_index=True)
    text = models.TextField(blank=True)


class StatisticByCountry(AbstractStatistic):
    """A custom statistic model with an extra dimension."""

    country = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "metric", "period", "country"], name="stat_country_key"
            )
        ]
        indexes = [models.Index(fields=["metric", "period", "date"], name="stat_country_run")]


class RevenueStatistic(AbstractStatistic):
    """A custom statistic model whose value is money."""

    value = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        unique_together = [("date", "metric", "period")]
        indexes = [models.Index(fields=["metric", "period", "date"], name="stat_revenue_run")]


class AverageStatistic(AbstractStatistic):
    value = models.FloatField(null=True)

    class Meta:
        unique_together = [("date", "metric", "period")]
        indexes = [models.Index(fields=["metric", "period", "date"], name="stat_average_run")]


class AverageByObjectStatistic(AbstractStatistic):
    """A by-object statistic model whose value is fractional (an average per customer)."""

    object_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=255)
    object = GenericForeignKey("object_type", "object_id")
    value = models.FloatField(null=True)

    class Meta:
        unique_together = [("date", "metric", "object_type", "object_id", "period")]
        indexes = [
            models.Index(
                fields=["metric", "period", "object_type", "date"], name="stat_avg_object_run"
            )
        ]
