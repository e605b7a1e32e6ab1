"""Everything that talks to GitHub (PyGithub REST and GraphQL). Nothing else imports PyGithub."""
