from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("auth/wechat-login", api.WeChatLoginApi.as_view(), name="auth-wechat-login"),
    path("auth/password-login", api.PasswordLoginApi.as_view(), name="auth-password-login"),
    path("auth/refresh", api.RefreshApi.as_view(), name="auth-refresh"),
    path("me", api.MeApi.as_view(), name="me"),
    path("me/phone", api.MePhoneApi.as_view(), name="me-phone"),
    path("me/residence", api.MeResidenceApi.as_view(), name="me-residence"),
    path("residences", api.ResidenceListApi.as_view(), name="residence-list"),
    on("residence", "", api.ResidenceDetailApi),
    on("residence", "verify", api.ResidenceVerifyApi),
    on("residence", "reject", api.ResidenceRejectApi),
    path("users", api.UserCreateApi.as_view(), name="user-create"),
]
