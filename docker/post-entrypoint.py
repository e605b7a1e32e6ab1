#!/opt/symphony/bin/python
"""The action's post step (action.yml: post-entrypoint): `symphony-bot action --post`, in exec form.

The runner starts it in a new container of the same image after the main step, also when the job was cancelled
or timed out, with `--entrypoint` set to this file. It must not go through a shell: the image's /bin/sh (dash)
drops every hyphenated variable from the environment it passes on (`INPUT_GITHUB-TOKEN`, `INPUT_DRY-RUN`...),
and the post step would then run without its token. Python keeps them.
"""

import sys

from symphony_bot.cli import main

sys.argv = ["symphony-bot", "action", "--post"]
main()
