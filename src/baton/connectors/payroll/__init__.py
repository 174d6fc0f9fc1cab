"""Payroll file exports: ADP Workforce Now pay data batches and a generic CSV."""
