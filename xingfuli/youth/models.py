"""Models of the youth module."""
