"""The plan's JSON Schema, generated from the models, for editors and CI."""

from __future__ import annotations

from typing import Any

from azlab.plan.model import Plan

SCHEMA_ID = "https://azlab.dev/schema/azlab-plan-v1.json"


def plan_json_schema() -> dict[str, Any]:
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "azlab plan, version 1"
    return schema
