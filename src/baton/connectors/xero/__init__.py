"""Xero (Projects API time entries, Accounting error shapes): an ERP target for approved time."""
