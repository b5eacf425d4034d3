from django.urls import path

from . import api

urlpatterns = [
    path("auth/wechat-login", api.WeChatLoginApi.as_view(), name="auth-wechat-login"),
    path("auth/password-login", api.PasswordLoginApi.as_view(), name="auth-password-login"),
    path("auth/refresh", api.RefreshApi.as_view(), name="auth-refresh"),
    path("me", api.MeApi.as_view(), name="me"),
    path("me/phone", api.MePhoneApi.as_view(), name="me-phone"),
    path("me/residence", api.MeResidenceApi.as_view(), name="me-residence"),
    path("residences", api.ResidenceListApi.as_view(), name="residence-list"),
    path("residences/<int:residence_id>", api.ResidenceDetailApi.as_view(), name="residence-detail"),
    path("residences/<int:residence_id>/verify", api.ResidenceVerifyApi.as_view(), name="residence-verify"),
    path("residences/<int:residence_id>/reject", api.ResidenceRejectApi.as_view(), name="residence-reject"),
    path("users", api.UserCreateApi.as_view(), name="user-create"),
]
