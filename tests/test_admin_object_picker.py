"""The by-object chart's object picker: the admin's autocomplete where the object's
model admin can search, a text box elsewhere, and a select that works without script."""

import datetime
import json

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission, User
from django.urls import path, reverse

from tests.testapp.models import Customer, Shop
from trackstats.admin import StatisticByDateAndObjectAdmin
from trackstats.models import Domain, Metric, Period, StatisticByDateAndObject

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class CustomerAdmin(admin.ModelAdmin):
    search_fields = ["name"]


# A site on which customers can be searched and shops cannot (no search_fields).
site = AdminSite(name="picker")
site.register(StatisticByDateAndObject, StatisticByDateAndObjectAdmin)
site.register(Customer, CustomerAdmin)
site.register(Shop)

urlpatterns = [path("admin/", admin.site.urls), path("picker/", site.urls)]

CHART = "picker:trackstats_graph_by_date_and_object"
SEARCH = "picker:trackstats_graph_by_date_and_object_objects"
JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop")
    return Metric.objects.create(domain=domain, ref="orders")


@pytest.fixture
def named_customers(metric):
    made = {}
    for value, name in enumerate(["Ada", "Bea", "Cid", "Adam"], start=1):
        customer = Customer.objects.create(name=name, joined="2025-01-01T00:00:00Z")
        StatisticByDateAndObject.objects.record(
            metric, value, Period.DAY, date=JAN, object=customer
        )
        made[name] = customer
    return made


def chart(client, **params):
    params = {"from_date": "2026-01-01", "to_date": "2026-01-01", **params}
    response = client.get(reverse(CHART), params)
    assert response.status_code == 200
    return response


def test_searchable_model_gets_the_admins_autocomplete(admin_client, metric, named_customers):
    response = chart(admin_client, metric=metric.pk, object_type="testapp.customer", top=2)
    page = response.content.decode()
    widget = response.context["form"].fields["object_id"].widget
    rendered = widget.render("object_id", "")
    assert 'class="admin-autocomplete"' in rendered
    assert f'data-ajax--url="{reverse(SEARCH)}"' in rendered
    assert 'data-app-label="testapp"' in rendered
    assert 'data-model-name="customer"' in rendered
    # Without script it is a plain select of the top objects shown.
    assert f'<option value="{named_customers["Adam"].pk}">Customer object' in rendered
    assert f'<option value="{named_customers["Cid"].pk}">' in rendered
    assert f'<option value="{named_customers["Ada"].pk}">' not in rendered
    # The admin's own select2 and jQuery, from this server.
    assert "/static/admin/js/vendor/select2/select2.full.min.js" in page
    assert "/static/admin/js/autocomplete.js" in page


def test_chosen_object_is_selected_and_drawn(admin_client, metric, named_customers):
    bea = named_customers["Bea"]
    response = chart(
        admin_client, metric=metric.pk, object_type="testapp.customer", object_id=bea.pk
    )
    rendered = response.content.decode()
    assert f'<option value="{bea.pk}" selected>Customer object ({bea.pk})</option>' in rendered
    assert 'data-date="2026-01-01" data-value="2"' in rendered


def test_the_search_answers_select2(admin_client, metric, named_customers):
    response = admin_client.get(
        reverse(SEARCH), {"term": "ad", "app_label": "testapp", "model_name": "customer"}
    )
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert sorted(result["id"] for result in answer["results"]) == sorted(
        [str(named_customers["Ada"].pk), str(named_customers["Adam"].pk)]
    )
    assert answer["pagination"] == {"more": False}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"app_label": "testapp", "model_name": "shop"}, 404),  # no search_fields
        ({"app_label": "testapp", "model_name": "order"}, 403),  # not registered
        ({"app_label": "nope", "model_name": "nope"}, 403),
        ({"model_name": "customer"}, 403),
    ],
)
def test_the_search_refuses_what_it_cannot_search(admin_client, metric, params, status):
    assert admin_client.get(reverse(SEARCH), params).status_code == status


def test_the_search_needs_both_view_permissions(client, metric, named_customers):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    params = {"term": "a", "app_label": "testapp", "model_name": "customer"}
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    assert client.get(reverse(SEARCH), params).status_code == 403
    user = User.objects.get(pk=user.pk)
    user.user_permissions.set([Permission.objects.get(codename="view_statisticbydateandobject")])
    assert client.get(reverse(SEARCH), params).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    assert client.get(reverse(SEARCH), params).status_code == 200
    client.logout()
    assert client.get(reverse(SEARCH), params).status_code == 302


def test_without_permission_on_the_model_the_picker_is_a_text_box(client, metric, named_customers):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_statisticbydateandobject"))
    client.force_login(user)
    response = chart(client, metric=metric.pk, object_type="testapp.customer")
    assert '<input type="text" name="object_id"' in response.content.decode()
    assert "admin-autocomplete" not in response.content.decode()


def test_model_without_search_fields_keeps_the_text_box(admin_client, metric):
    shop = Shop.objects.create(code="ams", name="Amsterdam")
    StatisticByDateAndObject.objects.record(metric, 4, Period.DAY, date=JAN, object=shop)
    response = chart(admin_client, metric=metric.pk, object_type="testapp.shop")
    page = response.content.decode()
    assert '<input type="text" name="object_id"' in page
    assert "admin-autocomplete" not in page
    assert "select2" not in page
    # Typing the key still works.
    response = chart(admin_client, metric=metric.pk, object_type="testapp.shop", object_id="ams")
    assert 'data-date="2026-01-01" data-value="4"' in response.content.decode()


def test_default_site_without_the_model_registered_keeps_the_text_box(
    admin_client, metric, named_customers
):
    response = admin_client.get(
        reverse("admin:trackstats_graph_by_date_and_object"),
        {"metric": metric.pk, "to_date": "2026-01-01"},
    )
    assert '<input type="text" name="object_id"' in response.content.decode()
