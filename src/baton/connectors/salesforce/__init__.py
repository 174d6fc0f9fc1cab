"""Salesforce (CRM source): accounts, opportunities, line items, contracts, CDC."""
