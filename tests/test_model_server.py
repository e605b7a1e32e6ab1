import json
import urllib.request

from symphony_bot.sandbox.model_server import ModelServer


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sse_data(text):
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]


def test_turn_follows_the_conversation_and_requests_are_logged() -> None:
    turns = [
        {"tool": {"name": "Bash", "input": {"command": "ls"}}},
        {"text": "all done", "usage": {"output_tokens": 7}},
    ]
    with ModelServer(turns) as server:
        _, first = post(server.url + "/v1/messages", {"model": "m", "stream": True, "messages": [{"role": "user"}]})
        status, second = post(
            server.url + "/v1/messages",
            {
                "model": "m",
                "messages": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}],
                "tools": [{"name": "Bash"}],
            },
        )
    assert status == 200
    starts = [e for e in sse_data(first) if e["type"] == "content_block_start"]
    assert starts[0]["content_block"]["type"] == "tool_use"
    body = json.loads(second)
    assert body["content"] == [{"type": "text", "text": "all done"}] and body["usage"]["output_tokens"] == 7
    assert [(r.api, r.turn, r.tools) for r in server.requests] == [("anthropic", 0, []), ("anthropic", 1, ["Bash"])]


def test_openai_and_gemini_formats() -> None:
    with ModelServer([{"tool": {"name": "shell", "input": {"cmd": "ls"}}}, {"text": "ok"}]) as server:
        _, responses = post(server.url + "/v1/responses", {"model": "m", "input": []})
        _, chat = post(server.url + "/v1/chat/completions", {"messages": [{"role": "user"}, {"role": "assistant"}]})
        _, gemini = post(
            server.url + "/v1beta/models/g:streamGenerateContent?alt=sse", {"contents": [{"role": "user"}]}
        )
    done = next(e for e in sse_data(responses) if e["type"] == "response.completed")
    assert done["response"]["output"][0]["type"] == "function_call"
    assert any(c["choices"][0]["delta"].get("content") == "ok" for c in sse_data(chat))
    assert sse_data(gemini)[0]["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == "shell"


def test_scripted_errors() -> None:
    with ModelServer([{"error": {"status": 429, "message": "slow down"}}]) as server:
        status, body = post(server.url + "/v1/messages", {"messages": []})
        gemini_status, gemini_body = post(server.url + "/v1beta/models/g:generateContent", {"contents": []})
        missing, _ = post(server.url + "/nowhere", {})
    assert status == 429 and json.loads(body)["error"]["type"] == "rate_limit_error"
    assert gemini_status == 429 and json.loads(gemini_body)["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert missing == 404
