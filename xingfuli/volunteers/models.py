"""Models of the volunteers module."""
