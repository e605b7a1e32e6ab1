"""How the GitHub Actions runner reads a step's output: which lines it takes as workflow commands.

Modelled on actions/runner (`ActionCommandManager.TryProcessCommand`, `ActionCommand.TryParseV2` and
`TryParse`), and deliberately more suspicious than the runner, so that a test passing here passes there:

- the runner ends lines at LF, CR or CRLF (`StreamReader.ReadLine`); here every line end Python knows ends a
  line too (VT, FF, U+001C-U+001E, U+0085, U+2028, U+2029);
- the runner trims leading .NET white space (`TrimStart`); here Python's wider `isspace` set is trimmed;
- the runner compares culture-sensitively, which skips "ignorable" characters; here every control, format and
  default-ignorable character is removed before comparing;
- a line is a command when, after that, it starts with `::` (`::error …`, `::add-mask::…`) or contains `##[`
  (or `##vso[`) anywhere.
"""

from __future__ import annotations

import re
import signal
import unicodedata
from collections.abc import Callable


def _ignorable_class() -> re.Pattern[str]:
    """Every control (but tab), format, surrogate and separator character, and Unicode's other
    Default_Ignorable_Code_Point ranges: one character class, built once from the Unicode database."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        char = chr(code)
        ignorable = unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") and char != "\t"
        ignorable = ignorable or _DEFAULT_IGNORABLE.match(char) is not None
        if ignorable:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges) + "]")


# Unicode's Default_Ignorable_Code_Point ranges that are not format (Cf) characters.
_DEFAULT_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8\U000e0000-\U000e0fff]"
)
_IGNORABLE = _ignorable_class()
_LEGACY = re.compile(r"##(vso)?\[", re.IGNORECASE)
# What a line this project prints on purpose looks like: an annotation with a file, a line, a column and the
# finding's code as its title.
OWN_ANNOTATION = re.compile(r"::(error|warning|notice) file=[^,:\n]+(,line=\d+,col=\d+)?,title=[a-z0-9-]+::[^\n]*")


def _comparable(line: str) -> str:
    return _IGNORABLE.sub("", line)


def is_command(line: str) -> bool:
    comparable = _comparable(line)
    return comparable.lstrip().startswith("::") or _LEGACY.search(comparable) is not None


def command_lines(output: str) -> list[str]:
    """Every line of `output` the runner could read as a workflow command."""
    return [line for line in output.splitlines() if is_command(line)]


def forged_commands(output: str) -> list[str]:
    """Command lines that are not this project's own annotations."""
    return [line for line in command_lines(output) if not OWN_ANNOTATION.fullmatch(line)]


# How the runner ends a step it cancels (a cancelled job, or its time-out): SIGINT to the process it started, then
# SIGTERM if it has not ended 7.5 s later, then SIGKILL 2.5 s after that. actions/runner,
# src/Runner.Sdk/ProcessInvoker.cs: `_sigintTimeout = TimeSpan.FromMilliseconds(7500)`,
# `_sigtermTimeout = TimeSpan.FromMilliseconds(2500)` (CancelAndKillProcessTree). For a container action that
# process is `docker run` (attached, so it proxies the signals to the container's PID 1); it has no `--init`.
SIGINT_GRACE_SECONDS = 7.5
SIGTERM_GRACE_SECONDS = 2.5


def cancel_like_the_runner(send: Callable[[signal.Signals], None], ended: Callable[[float], bool]) -> list[str]:
    """Replay the runner's cancel ladder: `send(sig)` delivers a signal, `ended(seconds)` waits at most that long
    and says whether the step is over. Returns the names of the signals it took."""
    sent = []
    for sig, grace in ((signal.SIGINT, SIGINT_GRACE_SECONDS), (signal.SIGTERM, SIGTERM_GRACE_SECONDS)):
        send(sig)
        sent.append(sig.name)
        if ended(grace):
            return sent
    send(signal.SIGKILL)
    sent.append(signal.SIGKILL.name)
    ended(60)
    return sent


# A small evaluator of GitHub Actions expressions — the subset the shipped workflows use in `if:` and
# `concurrency:` — with GitHub's semantics (docs.github.com/actions/learn-github-actions/expressions): `&&` and
# `||` return an operand, not a boolean; `==` compares strings case-insensitively; contains() and startsWith()
# ignore case; a missing property is null, and null, false, 0 and '' are falsy.
_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|!|\(|\)|,)|(?P<word>[A-Za-z_][\w.-]*))")


def evaluate(expression: str, context: dict[str, object]) -> object:
    tokens = []
    position, text = 0, expression.strip()
    while position < len(text):
        matched = _TOKEN.match(text, position)
        if matched is None:
            raise ValueError(f"cannot read {text[position:]!r}")
        tokens.append(matched)
        position = matched.end()
        while position < len(text) and text[position].isspace():
            position += 1
    parser = _ExpressionParser(tokens, context)
    value = parser.either()
    assert parser.index == len(tokens), f"unread: {expression}"
    return value


def truthy(value: object) -> bool:
    return value not in (None, False, 0, "")


class _ExpressionParser:
    def __init__(self, tokens: list[re.Match[str]], context: dict[str, object]) -> None:
        self.tokens, self.context, self.index = tokens, context, 0

    def _peek(self) -> str | None:
        return self.tokens[self.index].group(0).strip() if self.index < len(self.tokens) else None

    def _take(self) -> re.Match[str]:
        self.index += 1
        return self.tokens[self.index - 1]

    def either(self) -> object:
        value = self.both()
        while self._peek() == "||":
            self._take()
            other = self.both()
            value = value if truthy(value) else other
        return value

    def both(self) -> object:
        value = self.compare()
        while self._peek() == "&&":
            self._take()
            other = self.compare()
            value = other if truthy(value) else value
        return value

    def compare(self) -> object:
        value = self.unary()
        while self._peek() in ("==", "!="):
            negate = self._take().group(0).strip() == "!="
            other = self.unary()
            equal = _fold(value) == _fold(other)
            value = equal != negate
        return value

    def unary(self) -> object:
        if self._peek() == "!":
            self._take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> object:
        token = self._take()
        if token.group("string") is not None:
            return token.group("string")[1:-1].replace("''", "'")
        if token.group(0).strip() == "(":
            value = self.either()
            assert self._take().group(0).strip() == ")"
            return value
        word = token.group("word")
        assert word is not None, token.group(0)
        if self._peek() == "(":
            self._take()
            arguments = [self.either()]
            while self._peek() == ",":
                self._take()
                arguments.append(self.either())
            assert self._take().group(0).strip() == ")"
            return _call(word, arguments)
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        value: object = self.context
        for part in word.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _call(name: str, arguments: list[object]) -> object:
    text = [str(argument if argument is not None else "").casefold() for argument in arguments]
    if name == "contains":
        return text[1] in text[0]
    if name == "startsWith":
        return text[0].startswith(text[1])
    if name == "endsWith":
        return text[0].endswith(text[1])
    raise ValueError(f"function {name} is not modelled")
