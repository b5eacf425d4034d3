from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from backend.admin import ModelAdmin

from .models import PersonalDataAccess, Residence, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "nickname", "phone_masked", "is_staff", "is_active"]
    search_fields = ["username", "name", "nickname", "openid"]
    readonly_fields = ["openid", "unionid", "phone_masked", "phone_digest"]
    # The phone is shown masked; the ciphertext field is never rendered.
    exclude = ["phone_encrypted"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "原点在线",
            {"fields": ["nickname", "avatar_url", "name", "openid", "unionid", "phone_masked", "phone_digest"]},
        ),
    )


@admin.register(Residence)
class ResidenceAdmin(ModelAdmin):
    list_display = ["user", "grid", "status", "reviewed_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "user__nickname", "grid__code", "address"]
    readonly_fields = ["grid_path"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ModelAdmin):
    list_display = ["at", "accessor", "subject", "field", "purpose"]
    search_fields = ["subject"]

    def has_change_permission(self, request, obj=None) -> bool:  # an audit log is not edited
        return False

    def has_add_permission(self, request) -> bool:
        return False
