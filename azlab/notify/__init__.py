"""Telling people what the schedule does: Teams, Slack and JSON webhooks, never failing a run."""
