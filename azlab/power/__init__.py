"""Power: bring groups of VMs to running or deallocated, in tiers, at any scale."""
