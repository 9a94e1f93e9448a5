"""Volunteer teams, volunteers, activities, check-in, service hours and birthday parties (一站)."""
