"""symphony-bot: Maestro Symphony, GitHub-native and headless."""

__version__ = "0.1.0"
