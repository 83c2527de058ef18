"""Hearth on Discord: a thin adapter over discord.py (see service.py for the entry point)."""
