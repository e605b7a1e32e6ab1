from pathlib import Path

from symphony_bot.autorun.document import Task
from symphony_bot.autorun.prompt import TASK_PROMPT, task_prompt


def test_the_prompt_carries_everything_the_agent_needs() -> None:
    prompt = task_prompt(Path("/work/repo"), Path("/work/repo/docs/plan.md"), Task(12, "Add a {format} test", False))
    assert "/work/repo" in prompt and "docs/plan.md" in prompt
    assert "line 12" in prompt and "Add a {format} test" in prompt  # braces in task text survive formatting
    assert "ONE task" in prompt and "only this task" in prompt.lower()
    assert "truly succeeded" in prompt and "Never tick a task that failed" in prompt
    assert "<!-- maestro:halt: <reason> -->" in prompt and "leave the box unticked" in prompt
    assert "Do not commit, push" in prompt
    assert "one-line summary" in prompt


def test_the_template_is_our_own_words() -> None:
    # Maestro's default prompt phrases (src/prompts/autorun-default.md) must not be copied.
    for phrase in ("Maestro-managed", "Playbook", "MAESTRO: ", "{{TASK_SELECTION_BLOCK}}", "Exit immediately"):
        assert phrase not in TASK_PROMPT
