"""Exit codes of `symphony-bot`. Only commands decide them; below `commands/` code reports results instead."""

OK = 0
FINDINGS = 1  # validation findings, a failed run, an API failure
USAGE = 2  # bad arguments or unreadable input

# `symphony-bot autorun` only (its stop reasons are mapped in `symphony_bot.commands.autorun.EXIT_CODES`).
HALTED = 3  # the agent wrote a halt marker, or one was already there
TASKS_LEFT = 4  # a document stalled, or a signal stopped the run
BUDGET = 5  # a budget was reached, or the stalls came from timeouts
