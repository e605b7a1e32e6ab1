"""The Auto Run engine: document model, prompts, the loop, events. Knows no GitHub and no git."""
