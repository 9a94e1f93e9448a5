"""Dishes, weekly menus, diners, orders, delivery runs and the food-safety log (一餐)."""
