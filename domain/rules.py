"""The choices an event's fields may take: the domain's vocabulary, spelled once. Each is
a tuple of its values that also carries a name (the API names its enumerations by it)."""

from __future__ import annotations


class Vocabulary(tuple[str, ...]):
    """A named tuple of the allowed values."""

    name: str

    def __new__(cls, name: str, values: tuple[str, ...]) -> Vocabulary:
        made = super().__new__(cls, values)
        made.name = name
        return made

    def __reduce__(self) -> tuple[type[Vocabulary], tuple[str, tuple[str, ...]]]:
        return Vocabulary, (self.name, tuple(self))


SOURCES = Vocabulary("Source", ("inbound", "outbound", "referral", "repeat", "other"))
MEETING_KINDS = Vocabulary(
    "MeetingKind", ("initial", "needs_analysis", "proposal", "decision_makers", "other")
)
ROLES = Vocabulary(
    "Role",
    (
        "decision_maker",
        "economic_buyer",
        "champion",
        "influencer",
        "technical_evaluator",
        "user",
        "other",
    ),
)
CHANNELS = Vocabulary("Channel", ("email", "phone", "meeting", "video", "other"))
LOSS_REASONS = Vocabulary(
    "LossReason", ("no_fit", "price", "competitor", "no_decision", "timing", "other")
)
# What a seller may set weekly goals for (DESIGN section 6), in the order scorecards list them.
GOAL_METRICS = Vocabulary(
    "GoalMetric",
    (
        "MeetingGained",
        "CustomerDataGathered",
        "StakeholderBoughtIn",
        "DemoScheduled",
        "VerbalCommitment",
        "commitments_gained",
        "interactions_planned_with_objective",
        "interactions_completed",
    ),
)
