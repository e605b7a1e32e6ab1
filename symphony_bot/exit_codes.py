"""Exit codes every command shares. Autorun adds its own above these (see symphony_bot.autorun)."""

OK = 0
FINDINGS = 1  # validation findings, a failed run, an API failure
USAGE = 2  # bad arguments or unreadable input
