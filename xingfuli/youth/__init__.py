"""Courses, sessions, enrolments, waiting lists, holiday care and attendance (一宫)."""
