"""Which repositories `scan`, `stats` and `site` read: the --repo slugs, checked, and the registries' slugs.

The three commands take the same --registry/--repo/--cache-dir/--refresh options (`commands.options`) and turn
them into repositories the same way: a malformed --repo is a usage error (exit 2); without --registry,
Maestro's registry is read unless --repo names the repositories; each registry problem is a warning, and when no
registry could be read (and no --repo was given) the command stops with exit 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from symphony_bot.commands.output import failure, usage_error, warn

if TYPE_CHECKING:
    from symphony_bot.github.cache import Cache
    from symphony_bot.github.client import GitHubClient
    from symphony_bot.github.registry_source import RegistrySelection

NO_REGISTRY_READ = "no registry could be read; see the warnings above"
ANONYMOUS_WARNING = "{names} is not set; GitHub's GraphQL API refuses requests without a token"


def check_repos(repos: tuple[str, ...]) -> None:
    """Exit 2 naming the first --repo that is not OWNER/NAME."""
    from symphony_bot.github.repository_batches import parse_slug

    for repo in repos:
        if parse_slug(repo) is None:
            usage_error(f"--repo {repo!r} is not OWNER/NAME (for example RunMaestro/Maestro)")


def select_repositories(
    client: GitHubClient, cache: Cache, registries: tuple[str, ...], repos: tuple[str, ...], *, refresh: bool
) -> RegistrySelection:
    """The registries' active repositories (the caller adds `repos`), every problem warned on stderr.

    Warns when there is no token; exits 2 when a local registry file cannot be read, 1 when no registry could be
    read and there is no --repo to fall back on.
    """
    from symphony_bot.github.client import TOKEN_ENV_VARIABLES
    from symphony_bot.github.registry_source import DEFAULT_REGISTRY_URL, RegistryUnreadableError, load_registries

    if not client.authenticated:
        warn(ANONYMOUS_WARNING.format(names=" or ".join(TOKEN_ENV_VARIABLES)))
    sources = list(registries) or ([] if repos else [DEFAULT_REGISTRY_URL])
    try:
        selection = load_registries(sources, cache, client, refresh=refresh)
    except RegistryUnreadableError as unreadable:
        usage_error(str(unreadable))
    for problem in selection.problems:
        warn(f"registry {problem}")
    if sources and selection.failed_sources == len(sources) and not repos:
        failure(NO_REGISTRY_READ)
    return selection
