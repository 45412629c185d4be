"""Step 4 progress reports, reminders, calendar feeds and PDFs (one module each)."""

from reports.models.calendar import CalendarFeed as CalendarFeed
from reports.models.pdf import RenderedPdf as RenderedPdf
from reports.models.progress import ActivityProgress as ActivityProgress
from reports.models.progress import OutcomeMeasurement as OutcomeMeasurement
from reports.models.progress import ProgressReport as ProgressReport
from reports.models.progress import TeamMeeting as TeamMeeting
from reports.models.reminders import Digest as Digest
from reports.models.reminders import Reminder as Reminder
from reports.models.reminders import ReminderSchedule as ReminderSchedule
