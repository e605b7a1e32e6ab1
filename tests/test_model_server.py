import json
import threading
import urllib.error
import urllib.request

import pytest

from symphony_bot.sandbox.model_server import (
    ANTHROPIC,
    CHAT,
    GEMINI,
    RESPONSES,
    SCRIPT_MARKER,
    SIDE_REPLY,
    ModelServer,
    TurnUsage,
    api_error,
    shell,
    text,
    tool_call,
)


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def sse_data(body):
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: {")]


BASH = [{"name": "Bash", "input_schema": {}}]


def test_the_turn_follows_the_conversation_and_every_request_is_logged() -> None:
    script = [tool_call("Bash", {"command": "ls"}), text("all done", TurnUsage(7, 3, cache_read_tokens=2))]
    with ModelServer(script) as server:
        _, _, first = post(server.url + "/v1/messages", {"model": "m", "stream": True, "messages": [], "tools": BASH})
        history = [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]
        status, _, second = post(server.url + "/v1/messages", {"model": "m", "messages": history, "tools": BASH})
    assert status == 200
    starts = [e for e in sse_data(first) if e["type"] == "content_block_start"]
    deltas = [e for e in sse_data(first) if e["type"] == "content_block_delta"]
    assert starts[0]["content_block"]["name"] == "Bash"
    assert json.loads(deltas[0]["delta"]["partial_json"]) == {"command": "ls"}
    body = json.loads(second)
    assert body["content"] == [{"type": "text", "text": "all done"}]
    assert (
        body["usage"]["input_tokens"],
        body["usage"]["output_tokens"],
        body["usage"]["cache_read_input_tokens"],
    ) == (
        7,
        3,
        2,
    )
    assert [(r.api, r.turn, r.tools, r.reply) for r in server.requests] == [
        (ANTHROPIC, 0, ("Bash",), "tool:Bash"),
        (ANTHROPIC, 1, ("Bash",), "text"),
    ]
    assert server.reported_usage() == TurnUsage(107, 23, 2, 0, 0)


@pytest.mark.parametrize(
    ("path", "body", "tool", "arguments"),
    [
        ("/v1/messages", {"tools": [{"name": "Read"}, {"name": "Bash"}]}, "Bash", {"command": "make"}),
        ("/v1/responses", {"tools": [{"type": "function", "name": "exec_command"}]}, "exec_command", {"cmd": "make"}),
        (
            "/v1/chat/completions",
            {"tools": [{"type": "function", "function": {"name": "bash"}}]},
            "bash",
            {"command": "make"},
        ),
        (
            "/v1beta/models/g:generateContent",
            {"tools": [{"functionDeclarations": [{"name": "run_shell_command"}]}]},
            "run_shell_command",
            {"command": "make"},
        ),
    ],
)
def test_a_shell_turn_uses_whichever_shell_tool_the_cli_offers(path, body, tool, arguments) -> None:
    with ModelServer([shell("make")]) as server:
        status, _, _ = post(server.url + path, body)
    assert status == 200
    (record,) = server.requests
    assert record.reply == f"tool:{tool}"


def test_tool_calls_in_every_wire_format() -> None:
    with ModelServer([shell("make")]) as server:
        _, _, responses = post(
            server.url + "/v1/responses",
            {"model": "m", "stream": True, "input": [], "tools": [{"name": "exec_command"}]},
        )
        _, _, chat = post(
            server.url + "/v1/chat/completions",
            {
                "stream": True,
                "messages": [{"role": "user"}],
                "tools": [{"type": "function", "function": {"name": "bash"}}],
            },
        )
        _, _, gemini = post(
            server.url + "/v1beta/models/g:streamGenerateContent?alt=sse",
            {"contents": [{"role": "user"}], "tools": [{"functionDeclarations": [{"name": "run_shell_command"}]}]},
        )
    done = next(e for e in sse_data(responses) if e["type"] == "response.completed")
    call = done["response"]["output"][0]
    assert call["type"] == "function_call" and json.loads(call["arguments"]) == {"cmd": "make"}
    chat_calls = [
        c["choices"][0]["delta"]["tool_calls"] for c in sse_data(chat) if c["choices"][0]["delta"].get("tool_calls")
    ]
    assert chat_calls[0][0]["function"]["name"] == "bash"
    assert sse_data(chat)[-1]["choices"][0]["finish_reason"] == "tool_calls"
    part = sse_data(gemini)[0]["candidates"][0]["content"]["parts"][0]
    assert part["functionCall"] == {
        "name": "run_shell_command",
        "args": {"command": "make", "description": "Run the scripted command"},
    }
    assert [r.api for r in server.requests] == [RESPONSES, CHAT, GEMINI]


def test_usage_is_folded_into_each_protocols_fields() -> None:
    usage = TurnUsage(
        input_tokens=100, output_tokens=20, cache_read_tokens=30, cache_write_tokens=0, reasoning_tokens=5
    )
    with ModelServer([text("ok", usage)]) as server:
        _, _, responses = post(server.url + "/v1/responses", {"input": []})
        _, _, chat = post(server.url + "/v1/chat/completions", {"messages": []})
        _, _, gemini = post(server.url + "/v1beta/models/g:generateContent", {"contents": []})
    assert json.loads(responses)["usage"]["input_tokens"] == 130
    assert json.loads(responses)["usage"]["output_tokens_details"]["reasoning_tokens"] == 5
    assert json.loads(chat)["usage"]["completion_tokens"] == 25
    metadata = json.loads(gemini)["usageMetadata"]
    assert (metadata["promptTokenCount"], metadata["candidatesTokenCount"], metadata["thoughtsTokenCount"]) == (
        130,
        20,
        5,
    )


def test_a_marker_in_the_prompt_chooses_the_script_so_conversations_can_share_a_server() -> None:
    scripts = {"alpha": [text("from alpha")], "beta": [text("from beta")]}
    with ModelServer([text("default")], scripts=scripts) as server:
        replies: dict[str, str] = {}

        def ask(key: str) -> None:
            message = {"role": "user", "content": f"do it {SCRIPT_MARKER}{key}"}
            _, _, body = post(server.url + "/v1/messages", {"messages": [message]})
            replies[key] = json.loads(body)["content"][0]["text"]

        threads = [threading.Thread(target=ask, args=(key,)) for key in ("alpha", "beta", "unknown")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert replies == {"alpha": "from alpha", "beta": "from beta", "unknown": "default"}
    assert {r.key for r in server.conversation("alpha")} == {"alpha"}


def test_side_requests_without_tools_do_not_consume_the_script() -> None:
    with ModelServer([shell("make"), text("done")]) as server:
        _, _, title = post(server.url + "/v1/chat/completions", {"messages": [{"role": "user"}]})
    assert json.loads(title)["choices"][0]["message"]["content"] == SIDE_REPLY
    assert server.requests[0].reply == "side" and server.conversation() == []


def test_a_script_wanting_a_tool_the_cli_lacks_is_a_clear_400() -> None:
    with ModelServer([tool_call("Edit", {})]) as server:
        status, _, body = post(server.url + "/v1/messages", {"messages": [], "tools": BASH})
    assert status == 400 and "Edit" in body and "Bash" in body


def test_scripted_errors_in_each_format_and_a_past_the_end_script() -> None:
    with ModelServer([api_error(429, "quota exceeded")]) as server:
        status, headers, body = post(server.url + "/v1/messages", {"messages": []})
        gemini_status, _, gemini_body = post(server.url + "/v1beta/models/g:generateContent", {"contents": []})
        openai_status, _, openai_body = post(server.url + "/v1/responses", {"input": []})
        missing, _, _ = post(server.url + "/nowhere", {})
    assert status == 429 and json.loads(body)["error"]["type"] == "rate_limit_error"
    assert headers.get("x-should-retry") == "false"
    error = json.loads(gemini_body)["error"]
    assert gemini_status == 429 and error["status"] == "RESOURCE_EXHAUSTED" and "PerDay" in json.dumps(error["details"])
    assert openai_status == 429 and json.loads(openai_body)["error"]["code"] == "insufficient_quota"
    assert missing == 404
    with ModelServer([shell("loop")]) as server:
        _, _, body = post(server.url + "/v1/messages", {"messages": [{"role": "assistant"}] * 3, "tools": BASH})
    assert json.loads(body)["content"][0]["type"] == "text"  # a tool call is never repeated forever


def test_json_scripts_and_meta_routes() -> None:
    turns = [{"shell": "make", "usage": {"input_tokens": 1}}, {"tool": {"name": "Bash", "input": {"command": "x"}}}]
    with ModelServer(turns) as server:
        server.set_script([*turns, {"error": {"status": 500, "message": "boom"}}])
        post(server.url + "/v1/messages", {"messages": [], "tools": BASH})
        post(server.url + "/v1/messages", {"messages": [{"role": "assistant"}], "tools": BASH})
        status, _, _ = post(server.url + "/v1/messages", {"messages": [{"role": "assistant"}] * 2})
        _, _, tokens = post(server.url + "/v1/messages/count_tokens", {})
        with urllib.request.urlopen(server.url + "/v1/models", timeout=10) as response:
            models = json.loads(response.read())
    assert status == 500 and json.loads(tokens) == {"input_tokens": 42} and models["data"]
    assert [r.reply for r in server.requests] == ["tool:Bash", "tool:Bash", "error:500", "meta", "meta"]
    assert server.requests[0].usage == TurnUsage(1, 20)


def test_codex_default_model_form_tools_inside_the_input_and_a_javascript_exec_tool() -> None:
    """codex 0.169 on its default model sends its tools in `input[].additional_tools`, grouped in namespaces,
    and reaches the shell through a custom `exec` tool that runs JavaScript."""
    tools = [{"type": "namespace", "name": "functions", "tools": [{"type": "custom", "name": "exec"}]}]
    body = {"model": "m", "stream": True, "input": [{"type": "additional_tools", "role": "developer", "tools": tools}]}
    with ModelServer([shell("echo hi"), text("done")]) as server:
        _, _, first = post(server.url + "/v1/responses", body)
        answered = [*body["input"], {"type": "custom_tool_call", "name": "exec", "input": "x", "call_id": "c"}]
        _, _, second = post(server.url + "/v1/responses", {**body, "input": answered})
    done = next(e for e in sse_data(first) if e["type"] == "response.completed")
    (call,) = done["response"]["output"]
    assert call["type"] == "custom_tool_call" and call["name"] == "exec"
    assert "tools.exec_command({cmd: " in call["input"] and '"echo hi"' in call["input"]
    assert [(r.turn, r.tools, r.reply) for r in server.requests] == [
        (0, ("exec",), "tool:exec"),
        (1, ("exec",), "text"),
    ]
    assert "done" in second
