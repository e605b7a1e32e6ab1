"""rest/repos.py: repository operations through unchanged PyGithub."""

from __future__ import annotations

from tests.sandbox_helpers import OWNER, REPO, github


def test_collaborator_permission_is_none_for_non_collaborators_and_bots_on_a_public_repo(sb):
    sb.add_user("github-actions[bot]", type="Bot")
    repo = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}")
    assert not repo.private
    assert repo.get_collaborator_permission("stranger") == "none"
    assert repo.get_collaborator_permission("github-actions[bot]") == "none"
    assert repo.get_collaborator_permission("contributor") == "write"
    assert repo.get_collaborator_permission(OWNER) == "admin"
