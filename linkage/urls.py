from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    on("appeal", "to-petition", api.AppealToPetitionApi),
    path("integrations/petition/status", api.PetitionStatusApi.as_view(), name="petition-status"),
    path("integrations/conflict/cases", api.ConflictCaseApi.as_view(), name="conflict-cases"),
]
