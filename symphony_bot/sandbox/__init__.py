"""A local GitHub-compatible server (REST + GraphQL), a git smart-HTTP remote and a scripted model server."""
