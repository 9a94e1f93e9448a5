"""Models of the elevators module."""
