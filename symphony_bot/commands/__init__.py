"""Click sub-commands, one module each; see symphony_bot.cli.COMMANDS."""
