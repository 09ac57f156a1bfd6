"""`azlab import`: an existing resource group read into a plan, and the mess it shows."""
