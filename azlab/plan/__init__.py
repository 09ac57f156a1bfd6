"""The plan file: schema, loading with positions, and lints."""

from azlab.plan.findings import Finding
from azlab.plan.loader import LoadedPlan, check_plan, load_plan
from azlab.plan.model import Plan

__all__ = ["Finding", "LoadedPlan", "Plan", "check_plan", "load_plan"]
