"""幸福里 · Xingfuli — the community service platform of the 七个一."""

__version__ = "0.1.0"
