"""rave: terminal-first personal networking."""

__version__ = "0.1.0"
