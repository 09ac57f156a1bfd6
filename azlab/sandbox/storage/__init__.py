"""The sandbox's blob storage: Azurite with run-time accounts, and managed disks' bytes."""
