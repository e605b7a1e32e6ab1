"""Claude Code: `claude -p --output-format stream-json --verbose`, the prompt on stdin.

Headless as root: tools are granted with `--allowedTools` (`--dangerously-skip-permissions` refuses to run as
root on a CI runner). Non-essential traffic (telemetry, update checks) is off, so with ANTHROPIC_BASE_URL set
the CLI talks to nothing else.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping

from symphony_bot.agents.api_trouble import AUTH, UNREACHABLE
from symphony_bot.agents.base import Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.agents.environment import agent_environment, switched_on
from symphony_bot.agents.jsonlines import as_int, is_limit_notice, is_plan_limit_result, records

MAX_DENIAL_CHARS = 200
API_RETRY = "api_retry"
ALLOWED_TOOLS = "Bash,Edit,MultiEdit,Write,Read,Glob,Grep,LS,NotebookEdit,TodoWrite,Task,WebFetch,WebSearch"
PASSTHROUGH = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "CLAUDE_CODE_MAX_RETRIES",
)
# Cloud credentials reach the agent only on the route that needs them: Bedrock (AWS request signing) or Vertex
# AI (Google OAuth). On the API-key route (behind the metering proxy, or not) a tool in the agent's shell could
# read them and write them anywhere, a pull request included. On those routes the CLI signs its own requests,
# so the proxy cannot hold them (docs/agents.md).
BEDROCK_SWITCH = "CLAUDE_CODE_USE_BEDROCK"
VERTEX_SWITCH = "CLAUDE_CODE_USE_VERTEX"
BEDROCK_PASSTHROUGH = (BEDROCK_SWITCH, "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
VERTEX_PASSTHROUGH = (
    VERTEX_SWITCH,
    "CLOUD_ML_REGION",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
)
QUIET = {
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_BACKGROUND_TASKS": "1",
}


class ClaudeAgent(CliAgent):
    name = "claude"
    install_hint = "npm install -g @anthropic-ai/claude-code"

    def __init__(self, executable: str | None = None, model: str | None = None) -> None:
        self.executable = executable or "claude"
        self.model = model

    def invocation(self, request: TaskRequest) -> Invocation:
        argv = [
            self.executable,
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--session-id",
            str(uuid.uuid4()),
            "--allowedTools",
            ALLOWED_TOOLS,
            # The repository is untrusted: its .claude/settings.json could set `env` (ANTHROPIC_BASE_URL: the
            # API key would go to a host of its choosing), hooks or permissions. Only our private HOME's
            # settings load; the repository's CLAUDE.md guidance still does.
            "--setting-sources",
            "user",
            "--strict-mcp-config",
        ]
        if request.model or self.model:
            argv += ["--model", request.model or self.model or ""]
        env = agent_environment(request.scratch_dir, passthrough=passthrough(), extra=QUIET)
        return Invocation(argv=argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def api_trouble(self, line: str) -> tuple[str, str] | None:
        """claude's `system/api_retry` records: a 401/403 is a refused key; no status at all, a connection that
        failed (claude would back off for minutes)."""
        if API_RETRY not in line:
            return None
        record = next(records(line), None)
        if record is None or record.get("type") != "system" or record.get("subtype") != API_RETRY:
            return None
        status, error = record.get("error_status"), record.get("error")
        words = f"claude: API retry {record.get('attempt')} of {record.get('max_retries')}, status {status}: {error}"
        if status in (401, 403):
            return AUTH, words
        return (UNREACHABLE, words) if status is None else None

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        session_id: str | None = None
        result: dict[str, object] | None = None
        texts: list[str] = []
        for record in records(stdout):
            session_id = session_id or _str(record.get("session_id"))
            if record.get("type") == "result":
                result = record
            elif record.get("type") == "assistant":
                message = record.get("message")
                if isinstance(message, dict):
                    for block in message.get("content") or []:
                        if isinstance(block, dict) and block.get("type") == "text":
                            texts.append(str(block.get("text", "")))
        if result is None:
            detail = stderr.strip()[-1000:] or "no result line"
            return ParsedOutput(
                success=False,
                session_id=session_id,
                error=f"claude ended without a result: {detail}",
                rate_limited=is_limit_notice(stderr),
            )
        text = _str(result.get("result")) or "\n".join(texts)
        raw = result.get("usage") if isinstance(result.get("usage"), dict) else {}
        assert isinstance(raw, dict)
        # The result line covers the whole session, and every task is a fresh session: these are per-task figures.
        usage = Usage(
            input_tokens=as_int(raw.get("input_tokens")),
            output_tokens=as_int(raw.get("output_tokens")),
            cache_read_tokens=as_int(raw.get("cache_read_input_tokens")),
            cache_write_tokens=as_int(raw.get("cache_creation_input_tokens")),
            cost_usd=float(result.get("total_cost_usd") or 0.0),  # type: ignore[arg-type]
        )
        is_error = bool(result.get("is_error")) or result.get("subtype") not in (None, "success")
        api_status = result.get("api_error_status")
        if is_error:
            rate_limited = api_status == 429 or is_limit_notice(text)
            return ParsedOutput(
                False,
                text,
                session_id,
                usage,
                error=f"claude reported an error: {text[:500]}",
                rate_limited=rate_limited,
            )
        if is_plan_limit_result(text):
            return ParsedOutput(False, text, session_id, usage, error=f"plan limit: {text}", rate_limited=True)
        if exit_code != 0:
            return ParsedOutput(False, text, session_id, usage, error=f"claude exited with code {exit_code}")
        denied = _denials(result.get("permission_denials"))
        if denied:
            # The refused call did not happen (a file left unwritten): never a silent success.
            return ParsedOutput(
                False,
                text,
                session_id,
                usage,
                error=f"claude was refused {len(denied)} tool call(s): {'; '.join(denied)}",
            )
        return ParsedOutput(True, text, session_id, usage)


def passthrough(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """What the CLI may see of the bot's environment: the cloud credentials only with their route switched on."""
    source = os.environ if environ is None else environ
    names: tuple[str, ...] = PASSTHROUGH
    if switched_on(source.get(BEDROCK_SWITCH)):
        names += BEDROCK_PASSTHROUGH
    if switched_on(source.get(VERTEX_SWITCH)):
        names += VERTEX_PASSTHROUGH
    return names


def _denials(raw: object) -> list[str]:
    """`permission_denials` entries as `Tool(input)`, each cut short."""
    if not isinstance(raw, list):
        return []
    described = []
    for denial in raw:
        if isinstance(denial, dict):
            tool_input = json.dumps(denial.get("tool_input"), ensure_ascii=False)
            described.append(f"{denial.get('tool_name', '?')}({tool_input[:MAX_DENIAL_CHARS]})")
    return described


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
