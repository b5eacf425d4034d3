from django.contrib import admin

from backend.admin import ModelAdmin

from .models import Assignment, GridUnit


@admin.register(GridUnit)
class GridUnitAdmin(ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "depth"]


@admin.register(Assignment)
class AssignmentAdmin(ModelAdmin):
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "unit__code", "unit__name"]
