"""What the commands do on the Hub, each request bounded in time, each failure one line: publish's checks of the
target and its one commit, and the downloads of verify."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from huggingface_hub import (
    CommitInfo,
    CommitOperationAdd,
    HfApi,
    constants,
    get_session,
    hf_hub_download,
    set_client_factory,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import httpx

from .cli import CommandError, Deadline

T = TypeVar("T")
# Seconds a request to the Hub may wait for progress (connecting, sending, each read) before the command gives up.
DEFAULT_TIMEOUT = 60.0


class TimeoutHook:
    """An httpx request hook that bounds every timeout of a request, whatever the caller passed (even None)."""

    def __init__(self, seconds: float) -> None:
        self.timeout = httpx.Timeout(seconds).as_dict()

    def __call__(self, request: httpx.Request) -> None:
        request.extensions["timeout"] = self.timeout


def bound_hub_requests(seconds: float) -> None:
    """Make every request huggingface_hub sends from now on give up after `seconds` without progress.

    Its default client waits forever (a server that accepts the connection and never answers hangs an upload), and
    some calls pass `timeout=None` themselves. `set_client_factory` is huggingface_hub's documented way to configure
    its client: the new one keeps the default one's request hooks (offline mode, request ids) and adds a hook that
    bounds connecting, sending and each read of every request.
    """
    hooks = dict(get_session().event_hooks)
    hooks["request"] = [hook for hook in hooks.get("request", []) if not isinstance(hook, TimeoutHook)]
    hooks["request"].append(TimeoutHook(seconds))
    set_client_factory(lambda: httpx.Client(event_hooks=hooks, follow_redirects=True, timeout=seconds))


def upload(
    folder: Path,
    repo_id: str,
    private: bool = False,
    revision: str = "main",
    create_branch: bool = False,
    create_pr: bool = False,
    commit_message: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CommitInfo:
    """Check where the commit would land, create the repo (and branch) if allowed, then commit `folder` at once. If
    the commit fails, what this call created is deleted again (the error says so, or what is left)."""
    api = HfApi()
    created = prepare_target(api, repo_id, private, revision, create_branch, create_pr, timeout)
    # One create_commit, not upload_folder: upload_folder may split a large folder into several commits.
    operations = [
        CommitOperationAdd(path_in_repo=path.relative_to(folder).as_posix(), path_or_fileobj=path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]

    def commit() -> CommitInfo:
        return api.create_commit(
            repo_id,
            operations=operations,
            commit_message=commit_message or f"Upload {repo_id.split('/')[-1]}",
            revision=revision,
            create_pr=create_pr,
        )

    try:
        return hub_call(f"commit to {repo_id}", api.endpoint, timeout, commit)
    except CommandError as error:
        if created is None:
            raise
        raise CommandError(f"{error} {undo(api, repo_id, created, timeout)}") from error


def prepare_target(
    api: HfApi,
    repo_id: str,
    private: bool,
    revision: str,
    create_branch: bool,
    create_pr: bool,
    timeout: float,
) -> str | None:
    """Refuse a target the user did not ask for; create the repository (and branch) only where allowed; return what
    was created ("repository", "branch", or None).

    Nothing is written to the Hub before these checks pass, and a repository's visibility is never changed.
    """
    is_private = hub_call(f"look up {repo_id}", api.endpoint, timeout, lambda: existing_visibility(api, repo_id))
    created = None
    if is_private is None:
        if create_pr:
            raise CommandError(
                f"--create-pr needs an existing repository, and {repo_id} does not exist (or your token cannot see "
                "it): publish to main first."
            )
        if revision != "main" and not create_branch:
            raise CommandError(
                f"{repo_id} does not exist, so neither does its branch {revision!r}: add --create-branch to create "
                "both, or publish to main first."
            )
        # private=None keeps the namespace's default visibility; --private asks for a private repository.
        hub_call(f"create {repo_id}", api.endpoint, timeout, lambda: api.create_repo(repo_id, private=private or None))
        created = "repository"
        is_private = hub_call(f"look up {repo_id}", api.endpoint, timeout, lambda: existing_visibility(api, repo_id))
        print(f"created {repo_id} ({'private' if is_private else 'public'})")
    elif private and not is_private:
        raise CommandError(
            f"--private was given but {repo_id} exists and is public: nothing was uploaded. Make it private on the "
            "Hub first (Settings), or drop --private to publish to the public repository."
        )
    else:
        print(f"{repo_id} is private and stays private." if is_private else f"{repo_id} is public: anyone can see it.")
    if revision == "main" or create_pr:
        return created
    refs = hub_call(f"list the branches of {repo_id}", api.endpoint, timeout, lambda: api.list_repo_refs(repo_id))
    if revision not in {branch.name for branch in refs.branches}:
        if not create_branch:
            raise CommandError(
                f"{repo_id} has no branch {revision!r}: add --create-branch to create it from main, or choose an "
                "existing branch."
            )
        step = f"create the branch {revision!r} of {repo_id}"
        hub_call(step, api.endpoint, timeout, lambda: api.create_branch(repo_id, branch=revision))
        created = created or f"branch {revision!r}"
    return created


def undo(api: HfApi, repo_id: str, created: str, timeout: float) -> str:
    """Delete what a failed publish created (the `created` repository or branch of `repo_id`); say what became of
    it."""
    if created == "repository":
        what, delete = f"the repository {repo_id}", lambda: api.delete_repo(repo_id)
        by_hand = f"`hf repos delete {repo_id}`"
    else:
        branch = created.removeprefix("branch ").strip("'")
        what, delete = f"the branch {branch!r} of {repo_id}", lambda: api.delete_branch(repo_id, branch=branch)
        by_hand = f"`hf repos branch delete {repo_id} {branch}`"
    try:
        hub_call(f"delete {what}", api.endpoint, timeout, delete)
    except CommandError as error:
        return (
            f"This publish created {what}, left empty on the Hub: deleting it failed too ({error}). Delete it "
            f"(Settings, or {by_hand}), or publish again."
        )
    return f"{what[:1].upper()}{what[1:]}, which this publish created, was deleted again: nothing is left on the Hub."


def existing_visibility(api: HfApi, repo_id: str) -> bool | None:
    """Whether `repo_id` is private (True) or public (False); None if it is missing (or the token cannot see it)."""
    try:
        return api.repo_info(repo_id).private is True  # an unknown visibility counts as public
    except RepositoryNotFoundError:
        return None


def hub_call(step: str, endpoint: str, timeout: float, call: Callable[[], T]) -> T:
    """`call()`, a request to the Hub for `step`. An answer 429 (too many requests) is retried after the wait its
    `Retry-After` asks for, as long as the waits fit in `timeout`; any failure is one line (`hub_step`)."""
    waited = 0.0
    while True:
        with hub_step(step, endpoint, timeout):
            try:
                return call()
            except HfHubHTTPError as error:
                wait = retry_after(error)
                if wait is None or waited + wait > timeout:
                    raise
        print(f"the Hub asks to wait {wait:g} s (429: too many requests) before it can {step}: waiting", flush=True)
        time.sleep(wait)
        waited += wait


def retry_after(error: HfHubHTTPError) -> float | None:
    """The seconds a 429 answer asks to wait before retrying (its `Retry-After`, in seconds), or None."""
    if error.response is None or error.response.status_code != 429:
        return None
    try:
        return max(float(error.response.headers.get("Retry-After", "")), 0.0)
    except ValueError:  # missing, or an HTTP date
        return None


@contextmanager
def hub_step(step: str, endpoint: str, timeout: float) -> Iterator[None]:
    """Turn the client's errors during `step` into one line: `cannot <step>: <what happened>. <what to do>`."""
    try:
        yield
    except (HfHubHTTPError, OfflineModeIsEnabled, httpx.TransportError) as error:
        raise CommandError(f"cannot {step}: {hub_failure(error, endpoint, timeout)}") from error


def hub_failure(error: Exception, endpoint: str, timeout: float) -> str:
    """What went wrong between this machine and the Hub, and what to do, in one line."""
    if isinstance(error, OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set. Unset it to publish, or write the release with --dry-run --output <folder>."
    if isinstance(error, httpx.TimeoutException):
        return (
            f"the Hub at {endpoint} did not answer within {timeout:g} s. Try again later, or allow more time with "
            "--timeout."
        )
    if isinstance(error, httpx.TransportError):
        return f"no connection to the Hub at {endpoint} ({error}). Check the network, and HF_ENDPOINT if you set it."
    status = error.response.status_code
    if status == 429:
        wait = error.response.headers.get("Retry-After")
        asked = f" and asks to wait {wait} s, longer than --timeout {timeout:g} s allows" if wait else ""
        return f"the Hub at {endpoint} is limiting requests (429: too many requests){asked}. Try again later."
    if status in (401, 403):
        return f"the Hub refused the token ({status}). Log in with `hf auth login` or set HF_TOKEN, with write access."
    if status >= 500:
        return f"the Hub at {endpoint} failed ({status}). Try again later."
    return f"the Hub refused it ({status}: {error.server_message or error.response.reason_phrase})."


def download_release(repo_id: str, revision: str | None, record_file: str, package: str, deadline: Deadline) -> Path:
    """Download the release of `repo_id` at `revision` into the Hub cache, its record first, within `deadline`; return
    the record's path (in the snapshot folder of the commit). One line for each way that fails. Offline, the files of
    the commit that the cache holds are what there is (`hf download` puts them there)."""
    step = f"downloading {record_file} of {repo_id}"
    with deadline.during(step), download_errors(repo_id, revision, record_file, package):
        path = Path(hf_hub_download(repo_id, record_file, revision=revision))
    commit = path.parent.name  # .../snapshots/<commit>/reference_outputs.safetensors
    if constants.HF_HUB_OFFLINE:
        return path
    step = f"downloading the files of {repo_id} at {commit}"
    with deadline.during(step), download_errors(repo_id, commit, "the release's files", package):
        for name in HfApi().list_repo_files(repo_id, revision=commit):
            hf_hub_download(repo_id, name, revision=commit)
    return path


@contextmanager
def download_errors(repo_id: str, revision: str | None, what: str, package: str) -> Iterator[None]:
    """The client's errors while downloading `what` of `repo_id` at `revision`, as one line that says what to do."""
    where = f"{repo_id} at revision {revision!r}" if revision else repo_id
    endpoint = constants.ENDPOINT
    try:
        yield
    except RepositoryNotFoundError as error:
        raise CommandError(
            f"{repo_id} is not a folder, and the Hub at {endpoint} has no model repository {repo_id} (or your token "
            "cannot see it): pass a checkpoint folder, or the repo id of a published release."
        ) from error
    except RevisionNotFoundError as error:
        raise CommandError(f"{repo_id} has no revision {revision!r}: pass a commit hash, branch or tag.") from error
    except (LocalEntryNotFoundError, OfflineModeIsEnabled, httpx.TransportError) as error:
        raise CommandError(
            f"cannot download {what} of {where}: no connection to the Hub at {endpoint}, and no copy in the "
            "local cache. Check the network, and HF_ENDPOINT or HF_HUB_OFFLINE if you set them."
        ) from error
    except EntryNotFoundError as error:  # after LocalEntryNotFoundError, one of its kinds
        raise CommandError(
            f"{where} holds no {what}: it was not published by this project's publish, which records it. "
            f"Publish it again, or download it and record it with `python -m {package}.verify <folder> --record`."
        ) from error
    except HfHubHTTPError as error:
        answer = f"the Hub at {endpoint} answered {error.response.status_code}"
        raise CommandError(f"cannot download {what} of {where}: {answer}.") from error
