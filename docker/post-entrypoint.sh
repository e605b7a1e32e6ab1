#!/bin/sh
# The action's post step (action.yml: post-entrypoint). It runs in a new container of the same image after the
# main step, also when the job was cancelled or timed out, and finalises the status comment the main step
# could not.
exec symphony-bot action --post
