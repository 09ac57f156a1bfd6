"""Support for tests and benchmarks of azlab and of users' plans: synthetic plans."""
