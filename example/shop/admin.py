from django.contrib import admin

from trackstats.admin import StatisticAdmin

from .models import Comment, Order, RevenueStatistic


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "created", "user", "amount", "items", "status"]
    list_filter = ["status"]
    date_hierarchy = "created"
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = ["user__username"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "timestamp", "user", "text"]
    date_hierarchy = "timestamp"
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = ["text", "user__username"]


# The change list and chart page of trackstats work for custom statistic models too.
admin.site.register(RevenueStatistic, StatisticAdmin)
