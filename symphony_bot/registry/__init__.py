"""The project registry (`symphony-registry.json`), one concern per module:

- `sources`: where a registry is read from (a file in the work tree, or a file at a git revision);
- `validate`: every finding for one registry (bytes, JSON Schema, then `rules`, the checks a schema cannot
  express), each placed on its line and column (`values`);
- `diff`: what a change adds, removes or edits, and the rules that only exist on a change;
- `render`: reports as text, JSON and Markdown.

Import the module you need (`from symphony_bot.registry.validate import validate_file`): this package imports
nothing itself, so importing one part stays cheap.
"""
