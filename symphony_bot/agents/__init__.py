"""Agent adapters: one module per agent CLI. Only this package starts agent processes."""
