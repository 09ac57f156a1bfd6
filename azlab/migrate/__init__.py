"""Moving VMs between regions: preflight, a journal of steps, and the plan rewrite."""
