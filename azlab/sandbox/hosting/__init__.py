"""The sandbox runs what was deployed: Function apps (and runbooks) in processes of their own."""
