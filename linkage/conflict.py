"""智慧矛盾系统, the city's conflict-resolution system: every timeline row of a mediation case
goes out as a pseudonymised event; cases dispatched down from the city come in once each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from backend.errors import InvalidInput
from backend.messages import Msg
from grids.selectors import unit_by_code
from mediation import services as mediation_services
from mediation.models import Case, CaseEvent

from .models import ConflictLink, InboundReceipt, LinkedSystem
from .systems import queue_call


def pseudonym(kind: str, pk: int) -> str:
    """A stable id for a person that the city system can correlate across events and that
    cannot be reversed to them (keyed with the deployment's secret)."""
    return "p_" + salted_hmac(f"yuandian.linkage.{kind}", str(pk)).hexdigest()[:20]


def link_of(case: Case) -> ConflictLink:
    link = ConflictLink.objects.filter(case=case).first()
    if link is None:
        link = ConflictLink.objects.create(case=case, external_id=f"YDC{case.pk:08d}")
    return link


def event_payload(case: Case, event: CaseEvent, link: ConflictLink) -> dict[str, Any]:
    """What the city sees of a move: categories, states, places and hashed parties; no names,
    phones or free text (notes and descriptions may name people)."""
    return {
        "event_id": f"{link.external_id}-{event.pk}",
        "case_id": link.external_id,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status or case.status,
        "at": timezone.localtime(event.at).isoformat(),
        "category": case.category,
        "grid_code": case.grid.code,
        "team": case.team_id,
        "parties": [{"id": pseudonym("party", p.pk), "role": p.role} for p in case.parties.all()],
    }


def case_event_out(*, case: Case, event: CaseEvent) -> None:
    link = link_of(case)
    queue_call(
        system=LinkedSystem.CONFLICT,
        key=link.external_id,
        path=f"/cases/{link.external_id}/events",
        payload=event_payload(case, event, link),
    )


@transaction.atomic
def do_receive_dispatched_case(
    *, external_id: str, category: str, description: str, grid_code: str, parties: Sequence[dict[str, Any]]
) -> tuple[Case, bool]:
    """A case sent down by the city becomes a local case offered to its grid's team, once per
    external id: a repeat answers the case made the first time (and False)."""
    existing = ConflictLink.objects.filter(external_id=external_id).select_related("case").first()
    if existing is not None:
        return existing.case, False
    grid = unit_by_code(grid_code)
    if grid is None:
        raise InvalidInput(
            Msg("网格代码无效。", "Unknown grid code."),
            code="unknown_grid",
            fields={"grid_code": [Msg("不存在。", "unknown")]},
        )
    try:
        with transaction.atomic():
            InboundReceipt.objects.create(system=LinkedSystem.CONFLICT, sender_id=f"case:{external_id}")
    except IntegrityError:  # a concurrent delivery of the same dispatch won
        return ConflictLink.objects.select_related("case").get(external_id=external_id).case, False
    case = mediation_services.case_receive_dispatched(
        category=category,
        description=description,
        grid=grid,
        parties=[mediation_services.PartyIn(name=p["name"], role=p["role"], phone=p.get("phone", "")) for p in parties],
    )
    # The case's first timeline row went by before its link existed (see receivers): the city
    # hears of it now, under its own id.
    ConflictLink.objects.create(case=case, external_id=external_id, dispatched=True)
    case_event_out(case=case, event=case.events.order_by("pk").first())
    return case, True
