"""A small Hub-compatible HTTP server for the tests: the real huggingface_hub client talks to it via HF_ENDPOINT.

It answers what `create_repo`, `delete_repo`, `create_branch`, `delete_branch`, `upload_folder` (preupload + NDJSON
commit), `model_info`, `list_repo_tree`, `hf_hub_download` and `snapshot_download` call, with the status codes, JSON
shapes and headers (`X-Repo-Commit`, `ETag`, `X-Error-Code`) of the real Hub, so that publishing and loading by repo id
run the real client code paths end to end. No Hub server that accepts uploads can be installed from PyPI; this
stand-in stays in the tests and is never shipped with the model.

Faults, for the tests of what a client does when the Hub misbehaves: `HubServer.fail(mode, path)` makes every
request whose path contains `path` (or one of several) answer 500 (`"500"`), answer 429 Too Many Requests with a
`Retry-After` header (`"429"`), lose its connection without an answer (`"drop"`), or get no answer at all (`"hang"`,
until the server stops, at most `HANG_LIMIT` seconds); with `times`, only that many requests fail.

Simplifications, on purpose: every file is stored as a regular git blob (the real Hub moves large files through
LFS/Xet storage; the client's upload mode is whatever the `preupload` answer says), there are no organisations or
permissions beyond "a write needs a token" and "a private repo is visible only with its creator's token", and
everything lives in memory.

    python -m tests.hub_server --port 8765   # serve until interrupted (used by the template's demo)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

GITATTRIBUTES = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n"
FAULT_MODES = ("500", "429", "drop", "hang")
HANG_LIMIT = 60.0  # seconds a "hang" fault holds a request at most: the tests stay bounded even if a client waits
# Characters git refuses in a branch name: controls, space and ~ ^ : ? * [ \
BAD_BRANCH_CHARACTERS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def git_blob_sha(content: bytes) -> str:
    """The id git (and the Hub's `oid`) gives a regular file."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def valid_branch_name(name: str) -> bool:
    """Whether git (git check-ref-format) accepts `name` as a branch: the Hub refuses what git refuses."""
    return not (
        BAD_BRANCH_CHARACTERS.search(name)
        or ".." in name
        or "@{" in name
        or name == "@"
        or name.startswith("-")
        or name.endswith(".")
        or any(not part or part.startswith(".") or part.endswith(".lock") for part in name.split("/"))
    )


@dataclass
class Fault:
    """A failure injected into the requests whose path contains one of `paths` (every request for ""): all of them, or
    the next `times`."""

    mode: str  # one of FAULT_MODES
    paths: tuple[str, ...] = ("",)
    times: int | None = None
    retry_after: str = "1"  # the Retry-After header of a "429"

    def applies(self, path: str) -> bool:
        """Whether the request for `path` fails (and counts against `times`)."""
        if not any(part in path for part in self.paths) or self.times == 0:
            return False
        if self.times is not None:
            self.times -= 1
        return True


@dataclass
class Commit:
    oid: str
    parent: str | None
    message: str
    files: dict[str, bytes]
    date: str


@dataclass
class Repo:
    repo_id: str
    private: bool
    owner_token: str
    refs: dict[str, str] = field(default_factory=dict)  # branch or "refs/pr/N" -> commit oid
    commits: dict[str, Commit] = field(default_factory=dict)


class HubError(Exception):
    def __init__(self, status: int, message: str, error_code: str | None = None, **extra: str) -> None:
        super().__init__(message)
        self.status, self.message, self.error_code, self.extra = status, message, error_code, extra


class HubState:
    """The repositories, their refs and their commits; every method runs under one lock."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.requests: list[str] = []  # "METHOD /path", for tests that check what the client called
        self.fault: Fault | None = None
        self.stopping = threading.Event()  # set when the server stops: releases the requests held by a "hang" fault

    def commit(self, repo: Repo, parent: str | None, message: str, files: dict[str, bytes]) -> Commit:
        digest = hashlib.sha1(f"{parent}{message}{next(self.counter)}".encode())
        for path in sorted(files):
            digest.update(path.encode() + git_blob_sha(files[path]).encode())
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # the Hub's: 2024-01-31T12:00:00.000Z
        commit = Commit(digest.hexdigest(), parent, message, files, date)
        repo.commits[commit.oid] = commit
        return commit

    def repo(self, repo_id: str, token: str | None) -> Repo:
        repo = self.repos.get(repo_id)
        if repo is None or (repo.private and token != repo.owner_token):
            # Like the Hub: a private repo is indistinguishable from a missing one without the right token.
            raise HubError(404 if repo is None else 401, "Repository not found", "RepoNotFound")
        return repo

    def resolve(self, repo: Repo, revision: str) -> Commit:
        oid = repo.refs.get(revision, revision)
        # A branch, a "refs/pr/N" ref, a full commit hash or an unambiguous prefix of at least 7 characters.
        matches = [key for key in repo.commits if key == oid or (len(oid) >= 7 and key.startswith(oid))]
        if len(matches) != 1:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return repo.commits[matches[0]]


class HubRequestHandler(BaseHTTPRequestHandler):
    server: HubHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass  # quiet: the tests read `state.requests` instead

    # -- plumbing -------------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_HEAD(self) -> None:
        self.dispatch("HEAD")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        segments = [unquote(segment) for segment in url.path.strip("/").split("/")]
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        state = self.server.state
        state.requests.append(f"{method} {url.path}")
        with state.lock:
            fault = state.fault if state.fault is not None and state.fault.applies(url.path) else None
        if fault is not None:
            self.inject(fault, head=method == "HEAD")
            return
        try:
            with state.lock:
                status, payload, headers = self.route(method, segments, query, body)
        except HubError as error:
            headers = {"X-Error-Message": error.message}
            if error.error_code:
                headers["X-Error-Code"] = error.error_code
            body = json.dumps({"error": error.message, **error.extra}).encode()
            self.send(error.status, body, headers, "application/json", head=method == "HEAD")
            return
        if isinstance(payload, bytes):
            self.send(status, payload, headers, "application/octet-stream", head=method == "HEAD")
        else:
            self.send(status, json.dumps(payload).encode(), headers, "application/json", head=method == "HEAD")

    def inject(self, fault: Fault, head: bool) -> None:
        mode = fault.mode
        if mode == "500":
            body = json.dumps({"error": "Internal Error (injected by the test Hub)"}).encode()
            self.send(500, body, {"X-Error-Message": "Internal Error"}, "application/json", head=head)
            return
        if mode == "429":
            body = json.dumps({"error": "Too Many Requests (injected by the test Hub)"}).encode()
            headers = {"X-Error-Message": "Too Many Requests", "Retry-After": fault.retry_after}
            self.send(429, body, headers, "application/json", head=head)
            return
        if mode == "hang":
            self.server.state.stopping.wait(HANG_LIMIT)
        self.close_connection = True  # "drop", or a released "hang": close the connection without an answer

    def send(self, status: int, body: bytes, headers: dict[str, str], content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    @property
    def token(self) -> str | None:
        authorization = self.headers.get("Authorization", "")
        return authorization.removeprefix("Bearer ").strip() or None

    def require_token(self) -> str:
        if self.token is None:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.token

    # -- routes ---------------------------------------------------------------------------------------------------

    def route(self, method: str, segments: list[str], query: dict[str, str], body: bytes) -> tuple:
        state = self.server.state
        match method, segments:
            case "POST", ["api", "repos", "create"]:
                return self.create_repo(json.loads(body))
            case "DELETE", ["api", "repos", "delete"]:
                return self.delete_repo(json.loads(body))
            case "POST", ["api", "validate-yaml"]:
                return self.validate_yaml(json.loads(body))
            case "GET", ["api", "whoami-v2"]:
                self.require_token()
                return 200, {"type": "user", "name": "test-user", "auth": {"type": "access_token"}}, {}
            case "GET", ["api", "models", namespace, name]:
                return self.model_info(state.repo(f"{namespace}/{name}", self.token), "main")
            case "GET", ["api", "models", namespace, name, "revision", revision]:
                return self.model_info(state.repo(f"{namespace}/{name}", self.token), revision)
            case "GET", ["api", "models", namespace, name, "refs"]:
                return self.refs(state.repo(f"{namespace}/{name}", self.token))
            case "GET", ["api", "models", namespace, name, "tree", revision, *path]:
                return self.tree(state.repo(f"{namespace}/{name}", self.token), revision, "/".join(path), query)
            case "POST", ["api", "models", namespace, name, "branch", branch]:
                return self.create_branch(state.repo(f"{namespace}/{name}", self.require_token()), branch, body)
            case "DELETE", ["api", "models", namespace, name, "branch", branch]:
                repo = state.repo(f"{namespace}/{name}", self.require_token())
                if branch == "main" or repo.refs.pop(branch, None) is None:
                    raise HubError(404 if branch != "main" else 403, f"Cannot delete the branch {branch!r}")
                return 200, {}, {}
            case "POST", ["api", "models", namespace, name, "preupload", revision]:
                repo = state.repo(f"{namespace}/{name}", self.require_token())
                return self.preupload(repo, revision, json.loads(body))
            case "POST", ["api", "models", namespace, name, "commit", revision]:
                repo = state.repo(f"{namespace}/{name}", self.require_token())
                return self.create_commit(repo, revision, body, create_pr=query.get("create_pr") == "1")
            case ("GET" | "HEAD", [namespace, name, "resolve", revision, *path]) if path:
                return self.resolve_file(state.repo(f"{namespace}/{name}", self.token), revision, "/".join(path))
        raise HubError(404, f"{method} /{'/'.join(segments)} is not served by the test Hub")

    def create_repo(self, request: dict) -> tuple:
        token = self.require_token()
        if request.get("type", "model") != "model":
            raise HubError(400, "the test Hub serves model repositories only")
        repo_id = f"{request['organization']}/{request['name']}" if request.get("organization") else request["name"]
        if "/" not in repo_id:
            repo_id = f"test-user/{repo_id}"
        url = f"{self.server.url}/{repo_id}"
        state = self.server.state
        if repo_id in state.repos:
            raise HubError(409, "You already created this model repo", url=url)
        private = request.get("visibility") == "private" or request.get("private") is True  # new and old clients
        repo = Repo(repo_id, private, token)
        repo.refs["main"] = state.commit(repo, None, "initial commit", {".gitattributes": GITATTRIBUTES}).oid
        state.repos[repo_id] = repo
        return 200, {"url": url, "name": repo_id, "id": repo_id}, {}

    def delete_repo(self, request: dict) -> tuple:
        name = request["name"]
        repo_id = f"{request['organization']}/{name}" if request.get("organization") else f"test-user/{name}"
        repo = self.server.state.repo(repo_id, self.require_token())
        if repo.owner_token != self.token:
            raise HubError(403, "You don't have the rights to delete this repository")
        del self.server.state.repos[repo_id]
        return 200, {}, {}

    def validate_yaml(self, request: dict) -> tuple:
        content = request.get("content", "")
        errors = []
        if content.startswith("---"):
            try:
                metadata = yaml.safe_load(content.split("---", 2)[1])
                if metadata is not None and not isinstance(metadata, dict):
                    errors.append({"message": "metadata must be a YAML mapping"})
            except yaml.YAMLError as error:
                errors.append({"message": f"invalid YAML: {error}"})
        if errors:
            raise HubError(400, "; ".join(error["message"] for error in errors))
        return 200, {"errors": [], "warnings": []}, {}

    def model_info(self, repo: Repo, revision: str) -> tuple:
        commit = self.server.state.resolve(repo, revision)
        siblings = [{"rfilename": path} for path in sorted(commit.files)]
        info = {
            "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.oid,
            "lastModified": commit.date,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
        }
        return 200, info, {}

    def tree(self, repo: Repo, revision: str, path: str, query: dict[str, str]) -> tuple:
        commit = self.server.state.resolve(repo, revision)
        prefix = f"{path}/" if path else ""
        recursive = query.get("recursive", "false").lower() == "true"
        entries, folders = [], set()
        for file_path, content in sorted(commit.files.items()):
            if not file_path.startswith(prefix):
                continue
            rest = file_path[len(prefix) :]
            if "/" in rest and not recursive:
                folders.add(prefix + rest.split("/")[0])
                continue
            for depth in range(1, rest.count("/") + 1):
                folders.add(prefix + "/".join(rest.split("/")[:depth]))
            entries.append({"type": "file", "oid": git_blob_sha(content), "size": len(content), "path": file_path})
        entries += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": folder} for folder in sorted(folders)]
        return 200, entries, {}

    def refs(self, repo: Repo) -> tuple:
        def ref(name: str, oid: str) -> dict:
            full = name if name.startswith("refs/") else f"refs/heads/{name}"
            return {"name": name, "ref": full, "targetCommit": oid}

        branches = [ref(name, oid) for name, oid in sorted(repo.refs.items()) if not name.startswith("refs/")]
        pulls = [ref(name, oid) for name, oid in sorted(repo.refs.items()) if name.startswith("refs/pr/")]
        return 200, {"branches": branches, "converts": [], "tags": [], "pullRequests": pulls}, {}

    def create_branch(self, repo: Repo, branch: str, body: bytes) -> tuple:
        if not valid_branch_name(branch):
            raise HubError(400, f"Invalid reference name: {branch!r}")
        if branch in repo.refs:
            raise HubError(409, f"Reference refs/heads/{branch} already exists")
        starting_point = (json.loads(body) if body else {}).get("startingPoint") or "main"
        repo.refs[branch] = self.server.state.resolve(repo, starting_point).oid
        return 200, {}, {}

    def preupload(self, repo: Repo, revision: str, request: dict) -> tuple:
        commit = self.server.state.resolve(repo, revision)
        files = []
        for file in request["files"]:
            existing = commit.files.get(file["path"])
            oid = git_blob_sha(existing) if existing is not None else None
            files.append({"path": file["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid})
        return 200, {"files": files, "commitOid": commit.oid}, {}

    def create_commit(self, repo: Repo, revision: str, body: bytes, create_pr: bool) -> tuple:
        state = self.server.state
        parent = state.resolve(repo, revision)
        if not create_pr and revision not in repo.refs:
            raise HubError(400, f"Cannot commit to {revision}: not a branch", "RevisionNotFound")
        files = dict(parent.files)
        header: dict = {}
        for line in body.splitlines():
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                header = value
            elif key == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                files.pop(value["path"], None)
            elif key == "deletedFolder":
                folder = value["path"].rstrip("/") + "/"
                files = {path: data for path, data in files.items() if not path.startswith(folder)}
            else:
                raise HubError(422, f"the test Hub does not store {key!r} operations (LFS/Xet)")
        if header.get("parentCommit") and header["parentCommit"] != parent.oid:
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        message = header.get("summary") or "Upload folder"
        commit = state.commit(repo, parent.oid, message, files)
        pull_request_url = None
        if create_pr:
            number = 1 + sum(ref.startswith("refs/pr/") for ref in repo.refs)
            repo.refs[f"refs/pr/{number}"] = commit.oid
            pull_request_url = f"{self.server.url}/{repo.repo_id}/discussions/{number}"
        else:
            repo.refs[revision] = commit.oid
        commit_url = f"{self.server.url}/{repo.repo_id}/commit/{commit.oid}"
        return 200, {"commitUrl": commit_url, "commitOid": commit.oid, "pullRequestUrl": pull_request_url}, {}

    def resolve_file(self, repo: Repo, revision: str, path: str) -> tuple:
        commit = self.server.state.resolve(repo, revision)
        if path not in commit.files:
            raise HubError(404, "Entry not found", "EntryNotFound")
        content = commit.files[path]
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{git_blob_sha(content)}"', "Accept-Ranges": "none"}
        return 200, content, headers


class HubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), HubRequestHandler)
        self.state = HubState()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class HubServer:
    """Run the test Hub in a background thread: `with HubServer() as hub: ... hub.url ...`."""

    def __init__(self, port: int = 0) -> None:
        self.http = HubHTTPServer(port)
        # A short poll interval: stopping the server (once per test) waits for at most one interval.
        self.thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return self.http.url

    @property
    def state(self) -> HubState:
        return self.http.state

    def fail(
        self, mode: str, path: str | tuple[str, ...] = "", times: int | None = None, retry_after: str = "1"
    ) -> None:
        """From now on, answer the requests whose path contains `path` (or one of several) with the fault `mode` (see
        FAULT_MODES): all of them, or the next `times`."""
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault {mode!r}: use one of {FAULT_MODES}")
        self.state.fault = Fault(mode, (path,) if isinstance(path, str) else path, times, retry_after)

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.state.stopping.set()
        self.http.shutdown()
        self.http.server_close()
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a Hub-compatible test server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 picks a free one)")
    args = parser.parse_args()
    server = HubHTTPServer(args.port)
    print(f"test Hub serving at {server.url} (HF_ENDPOINT={server.url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
