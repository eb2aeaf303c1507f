"""Quoting guardrails: price book, discount schedules, approval matrix, priced and checked quotes."""
