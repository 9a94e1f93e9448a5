"""Models of the deliberation module."""
