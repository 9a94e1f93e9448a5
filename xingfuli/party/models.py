"""Models of the party module."""
