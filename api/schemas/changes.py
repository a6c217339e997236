"""The pipeline review (`GET /v1/pipeline/changes`), for the OpenAPI document: which deals
changed between two instants, how, and where they stood at each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, create_model

from api.schemas.enums import named_enum
from api.schemas.responses import UtcDatetime
from domain.review import CHANGE_KINDS
from domain.rules import Vocabulary

if TYPE_CHECKING:
    ChangeKind = str
else:
    ChangeKind = named_enum(Vocabulary("ChangeKind", CHANGE_KINDS))


class DealAt(BaseModel):
    """A deal as it stood at one instant (derived values evaluated then)."""

    status: str
    stage: str
    momentum: float = Field(description="The momentum score at that instant.")
    amount: float | None
    expected_close: str | None = Field(description="ISO date, or null.")


class ChangedDeal(BaseModel):
    opportunity_id: str
    title: str = Field(description="As of `to`.")
    account: str = Field(description="As of `to`.")
    owner: str = Field(description="As of `to`.")
    changes: list[ChangeKind] = Field(description="Its kinds of change, in the listed order.")
    before: DealAt | None = Field(description="As of `from`; null: not opened by then.")
    after: DealAt = Field(description="As of `to`.")


# {"new": int, "advanced": int, ...}: one count per kind, in the listed order.
ChangeSummary = create_model(  # type: ignore[call-overload]
    "ChangeSummary",
    **{kind: (int, Field(description=f"Deals that show `{kind}`.")) for kind in CHANGE_KINDS},
)


class PipelineChangesOut(BaseModel):
    from_: UtcDatetime = Field(alias="from")
    to: UtcDatetime
    summary: ChangeSummary = Field(
        description="Every matching deal counted (the same on every page)."
    )
    items: list[ChangedDeal] = Field(description="By owner, account, title, then id.")
    next_cursor: str | None
