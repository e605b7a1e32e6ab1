"""Issues as the bot reads them: the body's document references, their safety, the issue's status."""
