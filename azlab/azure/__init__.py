"""Azure Resource Manager: the session, SDK clients, polling, pacing and error mapping."""
