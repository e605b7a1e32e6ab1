"""`symphony-bot demo`: the main job end to end on the local sandbox, with a bundled demo agent."""
