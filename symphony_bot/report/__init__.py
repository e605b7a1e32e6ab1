"""Findings and how they are printed for people and for GitHub Actions."""
