"""``make protect-branches`` and ``make release-tag`` against a local HTTP server on 127.0.0.1
that plays GitHub's REST API and records every request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from claims_triage import config, github_api

RULESETS = Path(__file__).resolve().parents[2] / ".github" / "rulesets"


class FakeGitHub(ThreadingHTTPServer):
    """Rulesets and refs of one repository, kept in memory."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, dict | None, str]] = []
        self.rulesets: dict[int, dict] = {}
        self.refs: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHub

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _answer(self, status: int, body: object = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.server.requests.append((self.command, self.path, body,
                                     self.headers.get("Authorization", "")))
        base = f"/repos/{config.GITHUB_REPOSITORY}"
        path = self.path.split("?")[0]
        if self.command == "GET" and path == f"{base}/rulesets":
            return self._answer(200, [{"id": i, "name": r["name"]}
                                      for i, r in self.server.rulesets.items()])
        if self.command == "POST" and path == f"{base}/rulesets":
            ruleset_id = len(self.server.rulesets) + 100
            self.server.rulesets[ruleset_id] = body
            return self._answer(201, {"id": ruleset_id, **body})
        if self.command == "PUT" and path.startswith(f"{base}/rulesets/"):
            self.server.rulesets[int(path.rsplit("/", 1)[1])] = body
            return self._answer(200, body)
        if self.command == "GET" and path.startswith(f"{base}/git/ref/tags/"):
            tag = path.rsplit("/", 1)[1]
            if tag in self.server.refs:
                return self._answer(200, {"ref": f"refs/tags/{tag}",
                                          "object": {"sha": self.server.refs[tag]}})
            return self._answer(404, {"message": "Not Found"})
        if self.command == "POST" and path == f"{base}/git/refs":
            self.server.refs[body["ref"].removeprefix("refs/tags/")] = body["sha"]
            return self._answer(201, body)
        return self._answer(404, {"message": "Not Found"})

    do_GET = do_POST = do_PUT = _handle


@pytest.fixture
def github():
    server = FakeGitHub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_rulesets_are_created_then_updated_never_duplicated(github, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    files = sorted(RULESETS.glob("*.json"))
    first = github_api.main(["--api-url", github.url, "protect-branches",
                             "--rulesets-dir", str(RULESETS)])
    assert [action for _, action in first] == ["created"] * len(files)
    second = github_api.main(["--api-url", github.url, "protect-branches",
                              "--rulesets-dir", str(RULESETS)])
    assert [action for _, action in second] == ["updated"] * len(files)
    assert len(github.rulesets) == len(files)
    assert sorted(r["name"] for r in github.rulesets.values()) == sorted(
        json.loads(f.read_text())["name"] for f in files)
    methods = [method for method, *_ in github.requests]
    assert methods.count("POST") == len(files) and methods.count("PUT") == len(files)
    assert all(auth == "Bearer test-token" for *_, auth in github.requests)


def test_release_tag_is_created_once_and_never_moved(github, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    version = github_api.project_version()
    sha = "a" * 40
    args = ["--api-url", github.url, "release-tag", "--sha", sha]
    assert github_api.main(args) == "created"
    assert github.refs == {f"v{version}": sha}
    assert github_api.main(args) == "exists"
    with pytest.raises(github_api.GitHubError, match="bump the version"):
        github_api.main(["--api-url", github.url, "release-tag", "--sha", "b" * 40])


def test_errors_from_github_are_raised(github, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    client = github_api.GitHub("test-token", github.url)
    with pytest.raises(github_api.GitHubError, match="404"):
        client.expect("GET", "/repos/someone/else/rulesets")
