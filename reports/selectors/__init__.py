"""Reads of the reports app that pages and tasks share, scoped through access modules."""
