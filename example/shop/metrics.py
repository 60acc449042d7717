"""The domains and metrics of the demo, registered lazily at import time.

The first three domains and their metrics are those of the django-trackstats 0.7
README, so code written against it reads the same here. The rest show what is new.
"""

from trackstats.models import Domain, Metric

Domain.objects.SHOPPING = Domain.objects.register(ref="shopping", name="Shopping")
Domain.objects.USERS = Domain.objects.register(ref="users", name="Users")
Domain.objects.TWITTER = Domain.objects.register(ref="twitter", name="Twitter")
Domain.objects.COMMUNITY = Domain.objects.register(ref="community", name="Community")

Metric.objects.SHOPPING_ORDER_COUNT = Metric.objects.register(
    domain=Domain.objects.SHOPPING, ref="order_count", name="Number of orders placed"
)
Metric.objects.SHOPPING_REVENUE = Metric.objects.register(
    domain=Domain.objects.SHOPPING,
    ref="revenue",
    name="Revenue",
    description="Sum of the amounts of paid and shipped orders, in euro.",
)
Metric.objects.SHOPPING_ORDERS_PER_USER = Metric.objects.register(
    domain=Domain.objects.SHOPPING,
    ref="orders_per_user",
    name="Orders per user",
    description="Number of orders each user placed.",
)
Metric.objects.USERS_USER_COUNT = Metric.objects.register(
    domain=Domain.objects.USERS, ref="user_count", name="Number of users signed up"
)
Metric.objects.TWITTER_FOLLOWER = Metric.objects.register(
    # The name Twitter's API gives this number.
    domain=Domain.objects.TWITTER,
    ref="followers_count",
)
Metric.objects.COMMUNITY_COMMENT_COUNT = Metric.objects.register(
    domain=Domain.objects.COMMUNITY, ref="comment_count", name="Comments written"
)
Metric.objects.COMMUNITY_ACTIVE_COMMENTERS = Metric.objects.register(
    domain=Domain.objects.COMMUNITY,
    ref="active_commenters",
    name="Active commenters",
    description="Distinct users who wrote at least one comment in the period.",
)
