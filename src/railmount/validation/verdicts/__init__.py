"""Verdicts: pure functions from (plan, parsed host state or measurement, settings) to one
CheckResult per item. The suites under validate/ gather the state and record the results;
everything that decides pass or fail lives here and is unit-tested without hosts."""

from railmount.validation.verdicts.result import CheckResult

__all__ = ["CheckResult"]
