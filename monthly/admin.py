"""Django admin of 每月一事. Secret ballot: no admin page shows who chose what.

- Ballot: read-only, listing only that a ballot exists (round, receipt, time); neither the
  voter nor the sealed choices are fields of the page.
- TallyShard / RoundResult: counts, shown only for rounds whose result is public (counted),
  so that an `after_close` round leaks nothing before its close, not even to the admin.
"""

from django.contrib import admin

from backend.admin import ModelAdmin, ReadOnly, TabularInline

from .models import (
    COUNTED_STATES,
    Ballot,
    Candidate,
    Nomination,
    ProgressReport,
    Rating,
    Round,
    RoundEvent,
    RoundResult,
    RoundStatus,
    TallyShard,
)


class ReadOnlyAdmin(ReadOnly, ModelAdmin):
    can_delete = False


def _nominating(obj) -> bool:
    return obj is None or obj.status == RoundStatus.NOMINATING


class CandidateInline(TabularInline):
    """Editable while nominating only: a ballot is validated against a fixed list, and the
    counters of each candidate are created when voting opens."""

    model = Candidate
    fields = ["title", "description", "nomination", "created_by"]
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return _nominating(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _nominating(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _nominating(obj) and super().has_delete_permission(request, obj)


class EventInline(TabularInline):
    model = RoundEvent
    fields = ["at", "action", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(ModelAdmin):
    list_display = ["month", "title", "scope", "status", "results_visibility", "voting_starts", "voting_ends"]
    list_filter = ["status", "results_visibility", "month"]
    search_fields = ["title", "scope__name", "scope__code"]
    # The status moves through the services only (history, notifications); counts and the
    # winner are written by the close; once voting opened nothing is edited here.
    readonly_fields = ["status", "scope_path", "tally_shards", "winner", "turnout", "eligible", "counted_at"]
    inlines = [CandidateInline, EventInline]

    def get_readonly_fields(self, request, obj=None):
        if _nominating(obj):
            return self.readonly_fields
        return [f.name for f in Round._meta.fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return _nominating(obj) and super().has_delete_permission(request, obj)


admin.site.register(
    Nomination, ModelAdmin, list_display=["title", "round", "author", "created_at"], search_fields=["title"]
)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["id", "round", "receipt", "cast_at"]
    fields = ["round", "receipt", "cast_at"]
    search_fields = ["receipt"]
    list_select_related = ["round"]

    def get_queryset(self, request):
        return super().get_queryset(request).only("id", "round", "receipt", "cast_at")


class _CountedOnlyAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).filter(round__status__in=COUNTED_STATES)


admin.site.register(TallyShard, _CountedOnlyAdmin, list_display=["round", "candidate", "shard", "votes"])


admin.site.register(RoundResult, _CountedOnlyAdmin, list_display=["round", "rank", "candidate", "votes"])


admin.site.register(ProgressReport, ModelAdmin, list_display=["round", "percent", "author", "created_at"])


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["round", "score", "created_at"]
    fields = ["round", "score", "comment", "created_at"]
    readonly_fields = ["created_at"]
