"""`azlab rehearse`: prove plans against a throwaway sandbox, offline."""
