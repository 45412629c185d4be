"""The reports app in the Django admin: one module per sub-domain, imported here."""

from reports import admin_reminders  # noqa: F401
