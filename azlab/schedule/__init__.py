"""Schedules as pure functions of time: events, the desired power state at an instant, forecasts."""
