"""Titanium's async API gateway: routing, token checks, rate limits and correlation at the edge."""
