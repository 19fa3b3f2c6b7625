"""GitHub's REST API for what the repository settings hold as code: apply the rulesets in
``.github/rulesets/`` (``make protect-branches``) and create release tags (``make
release-tag``). Standard library only; the token comes from ``GITHUB_TOKEN``."""

from __future__ import annotations

import argparse
import json
import os
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import config

API_VERSION = "2022-11-28"


class GitHubError(RuntimeError):
    """Raised when GitHub answers a request with an error."""


class GitHub:
    """A minimal client: JSON in, JSON out, one token."""

    def __init__(self, token: str, api_url: str = "https://api.github.com") -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.api_url}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": API_VERSION,
                     "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
                return response.status, json.loads(payload) if payload else None
        except urllib.error.HTTPError as error:
            payload = error.read()
            return error.code, json.loads(payload) if payload else None

    def expect(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200,)) -> Any:
        status, payload = self.request(method, path, body)
        if status not in ok:
            raise GitHubError(f"{method} {path} answered {status}: {payload}")
        return payload


def apply_rulesets(github: GitHub, repository: str, directory: Path) -> list[tuple[str, str]]:
    """Create or update every ruleset in ``directory``; a ruleset of the same name is updated,
    never duplicated. Returns (name, "created" | "updated") pairs."""
    existing = {
        ruleset["name"]: ruleset["id"]
        for ruleset in github.expect("GET", f"/repos/{repository}/rulesets?per_page=100")
    }
    applied = []
    for path in sorted(directory.glob("*.json")):
        ruleset = json.loads(path.read_text())
        name = ruleset["name"]
        if name in existing:
            github.expect("PUT", f"/repos/{repository}/rulesets/{existing[name]}", ruleset)
            applied.append((name, "updated"))
        else:
            github.expect("POST", f"/repos/{repository}/rulesets", ruleset, ok=(201,))
            applied.append((name, "created"))
    return applied


def project_version(pyproject: Path = Path("pyproject.toml")) -> str:
    return str(tomllib.loads(pyproject.read_text())["project"]["version"])


def create_release_tag(github: GitHub, repository: str, version: str, sha: str) -> str:
    """Tag ``sha`` as ``v<version>``. Re-running for the same commit is a no-op; a tag that
    exists on another commit is an error (release tags never move)."""
    tag = f"v{version}"
    status, payload = github.request("GET", f"/repos/{repository}/git/ref/tags/{tag}")
    if status == 200:
        if payload["object"]["sha"] != sha:
            raise GitHubError(f"{tag} exists on {payload['object']['sha']}, not {sha}; "
                              "bump the version in pyproject.toml")
        return "exists"
    github.expect("POST", f"/repos/{repository}/git/refs",
                  {"ref": f"refs/tags/{tag}", "sha": sha}, ok=(201,))
    return "created"


def main(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repository", default=config.GITHUB_REPOSITORY)
    parser.add_argument("--api-url", default=os.environ.get("GITHUB_API_URL",
                                                            "https://api.github.com"))
    commands = parser.add_subparsers(dest="command", required=True)
    protect = commands.add_parser("protect-branches")
    protect.add_argument("--rulesets-dir", type=Path, default=Path(".github/rulesets"))
    tag = commands.add_parser("release-tag")
    tag.add_argument("--sha", default=os.environ.get("GITHUB_SHA"))
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN")
    if not token:
        parser.error("GITHUB_TOKEN is not set")
    github = GitHub(token, args.api_url)
    if args.command == "protect-branches":
        result: Any = apply_rulesets(github, args.repository, args.rulesets_dir)
    else:
        if not args.sha:
            parser.error("--sha (or GITHUB_SHA) is required")
        result = create_release_tag(github, args.repository, project_version(), args.sha)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
