from django.urls import path

from . import api

urlpatterns = [
    path("grids", api.GridListApi.as_view(), name="grid-list"),
    path("grids/<int:unit_id>", api.GridDetailApi.as_view(), name="grid-detail"),
    path("grids/<int:unit_id>/assignments", api.GridAssignmentsApi.as_view(), name="grid-assignments"),
]
