"""Django classes that django-stubs makes generic, as bases the type checker accepts.

``ModelAdmin`` and ``ModelChoiceField`` take a type argument in the stubs only: at run
time they are not subscriptable, so the subscripted forms exist for mypy alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin

if TYPE_CHECKING:
    ModelAdminBase = admin.ModelAdmin[Any]
    ModelChoiceFieldBase = forms.ModelChoiceField[Any]
else:
    ModelAdminBase = admin.ModelAdmin
    ModelChoiceFieldBase = forms.ModelChoiceField

__all__ = ["ModelAdminBase", "ModelChoiceFieldBase"]
