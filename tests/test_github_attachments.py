"""Attachment downloads: host allow-list (redirects included), size cap, timeout, file names that climb."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time

import pytest

from symphony_bot.github.attachments import AttachmentError, check_url, download, file_name

LOCAL = {"127.0.0.1"}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        # The client stops reading at its cap, as it should: the server's broken pipe is expected.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        if self.path == "/ok.md":
            self._send(b"- [ ] a task\n")
        elif self.path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(5 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"x" * 1024)
        elif self.path == "/big-streamed":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(40):
                chunk = b"y" * 65536
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/redirect-in":
            self._redirect("/ok.md")
        elif self.path == "/redirect-out":
            self._redirect("https://evil.example.com/x.md")
        elif self.path == "/redirect-loop":
            self._redirect("/redirect-loop")
        elif self.path == "/slow":
            time.sleep(2)
            self._send(b"late\n")
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _get(url: str, tmp_path, name: str = "doc.md", **options):
    return download(url, name, tmp_path / "cache", allowed_hosts=LOCAL, https_only=False, **options)


def test_downloads_into_the_cache(server, tmp_path) -> None:
    path = _get(f"{server}/ok.md", tmp_path)
    assert path.parent == tmp_path / "cache" and path.read_text() == "- [ ] a task\n"
    assert _get(f"{server}/redirect-in", tmp_path, index=2).read_text() == "- [ ] a task\n"


def test_hosts_outside_the_allow_list_are_refused(server, tmp_path) -> None:
    with pytest.raises(AttachmentError, match="only https"):
        check_url("http://github.com/user-attachments/files/1/a.md")
    with pytest.raises(AttachmentError, match="not a GitHub attachment host"):
        check_url("https://evil.example.com/a.md")
    with pytest.raises(AttachmentError, match="credentials"):
        check_url("https://u:p@raw.githubusercontent.com/a.md")
    assert check_url("https://raw.githubusercontent.com/o/r/main/a.md")
    with pytest.raises(AttachmentError, match=r"evil\.example\.com is not a GitHub attachment host"):
        _get(f"{server}/redirect-out", tmp_path)
    with pytest.raises(AttachmentError, match="redirects"):
        _get(f"{server}/redirect-loop", tmp_path)


def test_size_cap_with_and_without_content_length(server, tmp_path) -> None:
    with pytest.raises(AttachmentError, match="over the 1,048,576 allowed"):
        _get(f"{server}/big-declared", tmp_path)
    with pytest.raises(AttachmentError, match="more than the 1,048,576 bytes allowed"):
        _get(f"{server}/big-streamed", tmp_path)
    assert not list((tmp_path / "cache").glob("*")) if (tmp_path / "cache").exists() else True


def test_timeout(server, tmp_path) -> None:
    with pytest.raises(AttachmentError, match=r"cannot be downloaded|within"):
        _get(f"{server}/slow", tmp_path, timeout=0.5)


def test_names_cannot_climb_out_of_the_cache(server, tmp_path) -> None:
    assert file_name("../../etc/passwd", 1) == "01-passwd.md"
    assert file_name("..", 2) == "02-attachment.md"
    assert file_name("a\\..\\b.md", 3) == "03-b.md"
    path = _get(f"{server}/ok.md", tmp_path, name="../../../outside.md")
    assert path == tmp_path / "cache" / "01-outside.md"
    assert not (tmp_path / "outside.md").exists()


def test_an_existing_file_or_link_is_never_written_through(server, tmp_path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "01-doc.md").symlink_to(tmp_path / "victim")
    with pytest.raises(AttachmentError, match="cannot be created in the cache"):
        _get(f"{server}/ok.md", tmp_path)
    assert not (tmp_path / "victim").exists()
