"""Workday: the HRIS Baton reads workers from (staffing v6 + person v4 REST, OAuth 2.0)."""
