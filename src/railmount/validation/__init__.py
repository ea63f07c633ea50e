"""Validation runner, verdict maths, sizing and reports (suites live in validate/)."""
