from steps.models.content import (
    Benchmark,
    DataSource,
    Finding,
    Outcome,
    ProblemArea,
    ProblemOfPractice,
    RootCause,
    Strategy,
    StrategyActivity,
    TeamMember,
)
from steps.models.engagement import ActivityRecord, Engagement, ResolvedRequirement
from steps.models.upload import AdlUpload

__all__ = [
    "ActivityRecord",
    "AdlUpload",
    "Benchmark",
    "DataSource",
    "Engagement",
    "Finding",
    "Outcome",
    "ProblemArea",
    "ProblemOfPractice",
    "ResolvedRequirement",
    "RootCause",
    "Strategy",
    "StrategyActivity",
    "TeamMember",
]
