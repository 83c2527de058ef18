"""Badges: earned by reaching what other features measure, or granted by moderators."""
