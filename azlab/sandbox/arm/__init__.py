"""The ARM emulator: routes, state, long-running operations, throttling, and the providers."""
