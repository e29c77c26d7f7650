"""Customer onboarding: an account, a setup sub-workflow, an HTTP call registering the customer in a CRM."""
