"""Titanium's browser suites (pytest-playwright): black-box journeys of readers, authors and QA."""
