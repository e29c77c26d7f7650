"""Expense review: a HUMAN approval with a 48-hour timeout, escalation, and a payout hold (WAIT)."""
