"""Writes of the reports app: each service takes its actor and refuses one who may not."""
