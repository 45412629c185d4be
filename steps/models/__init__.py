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
from steps.models.drilldown import DrillDown, DrillDownCitation
from steps.models.engagement import ActivityRecord, Engagement, ResolvedRequirement
from steps.models.review import (
    Comment,
    ConsultantAssignment,
    Review,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.models.upload import AdlUpload

__all__ = [
    "ActivityRecord",
    "AdlUpload",
    "Benchmark",
    "Comment",
    "ConsultantAssignment",
    "DataSource",
    "DrillDown",
    "DrillDownCitation",
    "Engagement",
    "Finding",
    "Outcome",
    "ProblemArea",
    "ProblemOfPractice",
    "ResolvedRequirement",
    "Review",
    "RootCause",
    "Strategy",
    "StrategyActivity",
    "Submission",
    "SubmissionState",
    "SubmissionVersion",
    "TeamMember",
]
