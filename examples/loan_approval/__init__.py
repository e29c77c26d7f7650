"""Loan approval: a credit report, an INLINE risk score, a SWITCH on the grade, TERMINATE on rejection."""
