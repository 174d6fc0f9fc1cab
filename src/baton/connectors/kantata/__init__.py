"""Kantata OX (formerly Mavenlink): a PSA source of time, expenses, projects and people."""
