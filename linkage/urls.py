from django.urls import path

from . import api

urlpatterns = [
    path("appeals/<int:appeal_id>/to-petition", api.AppealToPetitionApi.as_view(), name="appeal-to-petition"),
    path("integrations/petition/status", api.PetitionStatusApi.as_view(), name="petition-status"),
    path("integrations/conflict/cases", api.ConflictCaseApi.as_view(), name="conflict-cases"),
]
