"""One contribution: preflight, claim, the engine's run with commits and pushes, the status comment, finalise."""
