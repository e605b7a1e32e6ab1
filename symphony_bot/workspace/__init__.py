"""The local git work tree a run works in: every git command the bot runs."""
