"""Pavilions, topics, meetings, votes, decisions, implementation and public notices (一亭)."""
