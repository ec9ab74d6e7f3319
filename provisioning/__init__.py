"""Enrolling kiosks: credentials, broker files, the Pi root file system."""
