"""Mediation services. SEAM for the appeals app (keep the signature):

    case_open_from_appeal(*, appeal, actor) -> Case

opens a case in status `applied` for an appeal's dispute (the appeal's submitter as the
applicant party, its description, category mapped, its handling grid) and returns it. The
case stores the appeal's id as `source_appeal_id` (an integer, no foreign key, so neither app's
migrations depend on the other's).
"""

from __future__ import annotations

from typing import Any


def case_open_from_appeal(*, appeal: Any, actor: Any) -> Any:
    raise NotImplementedError("the mediation app implements this (issue 6)")
