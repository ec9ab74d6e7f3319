"""Gaïa kiosk firmware: touch UI, devices, call engine, and the fleet agent."""

__version__ = "0.1.0"
