from django.urls import path

from . import api

urlpatterns = [
    path("dashboard", api.DashboardApi.as_view(), name="dashboard"),
    path("open-data", api.OpenDataApi.as_view(), name="open-data"),
]
