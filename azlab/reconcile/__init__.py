"""Reconciliation: desired resources from a plan, observed ones from Azure, and the changes."""
