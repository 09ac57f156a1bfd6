"""Holiday calendar codes in a plan: COUNTRY or COUNTRY-SUBDIVISION (US-CA), checked against
the calendars the `holidays` package ships."""

from __future__ import annotations

import holidays as calendars


def split_code(code: str) -> tuple[str, str | None]:
    country, _, subdivision = code.strip().partition("-")
    return country.upper(), (subdivision.upper() or None)


def problem(code: str) -> str | None:
    """Why a calendar code is not one the package knows, or None when it is."""
    country, subdivision = split_code(code)
    supported = calendars.list_supported_countries()
    if country not in supported:
        return f"unknown country {country!r}; use an ISO 3166 code such as US, GB or DE"
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country][:12])
        more = ", ..." if len(supported[country]) > 12 else ""
        return f"{country} has no subdivision {subdivision!r}" + (
            f"; known: {known}{more}" if known else "; it has none"
        )
    return None
