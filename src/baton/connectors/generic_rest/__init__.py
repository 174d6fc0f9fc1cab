"""A generic REST ERP target: POST the mapped body, GET by external id."""
