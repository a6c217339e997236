"""Request bodies: opening an opportunity, and one schema per event type picked by `type`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from domain import rules

Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False, examples=[48000])]
Name = Annotated[str, Field(max_length=200)]
Text = Annotated[str, Field(max_length=2000)]

Source = Literal["inbound", "outbound", "referral", "repeat", "other"]
MeetingKind = Literal["initial", "needs_analysis", "proposal", "decision_makers", "other"]
Role = Literal[
    "decision_maker",
    "economic_buyer",
    "champion",
    "influencer",
    "technical_evaluator",
    "user",
    "other",
]
Channel = Literal["email", "phone", "meeting", "video", "other"]
LossReason = Literal["no_fit", "price", "competitor", "no_decision", "timing", "other"]

# The schemas spell the domain's choices out for the OpenAPI document; the domain's tuples
# stay the one definition, and this check fails at import if the two ever drift apart.
for _schema_choice, _domain_choice in (
    (Source, rules.SOURCES),
    (MeetingKind, rules.MEETING_KINDS),
    (Role, rules.ROLES),
    (Channel, rules.CHANNELS),
    (LossReason, rules.LOSS_REASONS),
):
    if get_args(_schema_choice) != _domain_choice:
        msg = f"schema choices {get_args(_schema_choice)} differ from the domain's {_domain_choice}"
        raise RuntimeError(msg)


class Common(BaseModel):
    """Fields every event carries. `occurred_at` is business time (default: now)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    occurred_at: AwareDatetime | None = Field(
        None, description="RFC 3339 with offset; at most 5 minutes ahead; not before opened_at."
    )
    note: Annotated[str, Field(max_length=2000)] | None = None

    def fields(self) -> dict[str, Any]:
        """The event-specific fields, for the domain command."""
        return self.model_dump(exclude={"type", "occurred_at", "note"}, exclude_none=True)


class OpenOpportunity(Common):
    title: Name
    account: Name
    owner: Name | None = Field(None, description="Default: the API key's name.")
    amount: Amount | None = None
    currency: Annotated[str, Field(min_length=3, max_length=3, examples=["USD"])] | None = Field(
        None, description="ISO 4217 code; default USD."
    )
    source: Source | None = Field(None, description="Default: other.")
    referred_by: Name | None = None
    buying_departments: Annotated[list[Name], Field(max_length=100)] | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Acme scheduling rollout",
                    "account": "Acme Corp",
                    "amount": 48000,
                    "currency": "USD",
                    "source": "referral",
                    "referred_by": "Globex",
                    "buying_departments": ["Finance", "IT", "Operations"],
                }
            ]
        },
    )


def _example(**fields: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [fields]})


class MeetingGained(Common):
    model_config = _example(type="MeetingGained", contact="Dana", department="IT", kind="initial")
    type: Literal["MeetingGained"]
    contact: Name
    department: Name
    kind: MeetingKind | None = Field(None, description="Default: initial.")


class CustomerDataGathered(Common):
    model_config = _example(type="CustomerDataGathered", summary="Three plants, manual scheduling")
    type: Literal["CustomerDataGathered"]
    summary: Text


class StakeholderBoughtIn(Common):
    model_config = _example(
        type="StakeholderBoughtIn", stakeholder="Sam", department="Finance", role="economic_buyer"
    )
    type: Literal["StakeholderBoughtIn"]
    stakeholder: Name
    department: Name
    role: Role
    title: Name | None = None


class DemoScheduled(Common):
    model_config = _example(
        type="DemoScheduled", scheduled_for="2026-12-01T15:00:00Z", attendees=["Dana", "Sam"]
    )
    type: Literal["DemoScheduled"]
    scheduled_for: AwareDatetime
    attendees: Annotated[list[Name], Field(max_length=100)] | None = None


class VerbalCommitment(Common):
    model_config = _example(type="VerbalCommitment", stakeholder="Sam", amount=48000)
    type: Literal["VerbalCommitment"]
    stakeholder: Name
    amount: Amount | None = None


class Paused(Common):
    model_config = _example(
        type="Paused", reason="Wants to wait until next quarter", resume_on="2027-01-15"
    )
    type: Literal["Paused"]
    reason: Text
    resume_on: date | None = None


class Resumed(Common):
    model_config = _example(type="Resumed")
    type: Literal["Resumed"]


class InteractionPlanned(Common):
    model_config = _example(
        type="InteractionPlanned",
        contact="Dana",
        department="IT",
        channel="video",
        purpose="Walk through the pilot results",
        commitment_objective="Agree to a proposal meeting",
    )
    type: Literal["InteractionPlanned"]
    contact: Name
    department: Name
    channel: Channel
    purpose: Text
    commitment_objective: Text | None = None


class InteractionCompleted(Common):
    model_config = _example(
        type="InteractionCompleted",
        interaction_id="5b0c6a9e-1f3c-4a8e-9a53-2f4f1d0c7e21",
        commitment_gained=True,
        outcome="Proposal meeting booked",
    )
    type: Literal["InteractionCompleted"]
    interaction_id: Name
    commitment_gained: StrictBool
    outcome: Text | None = None


class ClosedWon(Common):
    model_config = _example(type="ClosedWon", amount=52000)
    type: Literal["ClosedWon"]
    amount: Amount | None = None


class ClosedLost(Common):
    model_config = _example(type="ClosedLost", reason="competitor")
    type: Literal["ClosedLost"]
    reason: LossReason


EventBody = Annotated[
    MeetingGained
    | CustomerDataGathered
    | StakeholderBoughtIn
    | DemoScheduled
    | VerbalCommitment
    | Paused
    | Resumed
    | InteractionPlanned
    | InteractionCompleted
    | ClosedWon
    | ClosedLost,
    Field(discriminator="type"),
]
