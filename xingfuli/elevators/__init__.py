"""Elevator retrofits per unit: stages, meetings, ballots, cost sharing, contributions (一梯)."""
