"""History, totals, streaks, achievements and the leaderboard of Symphony contributions, read back from GitHub.

Maestro keeps these numbers in a local state file with racing writes, counts its streak in weeks while the
achievement text says days, and never updates two of its counters (maestro-internals §6.11, §7.22, §7.24).
Here every number is recomputed from the contribution PRs themselves (their hidden metadata block,
`symphony_bot.stats.pr_metadata`), so there is nothing to race and nothing to drift:

- `history`: one row per contribution PR, and which rows are active (still running);
- `maths`: totals, streaks in consecutive ISO weeks, Maestro's eight achievements, the leaderboard — pure;
- `render`: table, JSON and Markdown.
"""
