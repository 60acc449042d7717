"""A small shop: customers are Django users who place orders and write comments."""

from django.conf import settings
from django.db import models

from trackstats.models import AbstractStatistic


class Order(models.Model):
    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders"
    )
    # Indexed: every tracker filters and buckets source rows by its date field.
    created = models.DateTimeField(db_index=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    items = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)

    class Meta:
        ordering = ["-created"]
        # Orders per user group by user within a date range: see docs/performance.md.
        indexes = [models.Index(fields=["user", "created"], name="shop_order_user_created")]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.amount})"


class Comment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    timestamp = models.DateTimeField(db_index=True)
    text = models.TextField()

    class Meta:
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return self.text[:40]


class RevenueStatistic(AbstractStatistic):
    """Statistics whose value is money: a Decimal instead of the default integer."""

    value = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["date", "metric", "period"], name="shop_revenue_key")
        ]
        # The index every tracker run reads through (system check trackstats.W002).
        indexes = [models.Index(fields=["metric", "period", "date"], name="shop_revenue_run")]
        verbose_name = "revenue statistic"

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"
