"""The model card's code blocks: what a reader runs to load the published release, pinned to a reviewed commit."""

from __future__ import annotations


def code_block(imports: list[str], repo_id: str, body: list[str], loads: dict[str, str] | None = None) -> str:
    """A Markdown Python block: `imports`, the repository and the revision to pin, the `from_pretrained` line of each
    variable -> Auto class of `loads` (the processor, the model), then `body`."""
    pinned = [f'repo_id = "{repo_id}"', 'revision = "<commit sha>"  # the commit you reviewed']
    for name, auto_class in (loads or {}).items():
        pinned.append(f"{name} = {auto_class}.from_pretrained(repo_id, trust_remote_code=True, revision=revision)")
    return "\n".join(["```python", *imports, "", *pinned, *(["", *body] if loads and body else body), "```"])


def run_model(generates: bool, decoded: str = "") -> list[str]:
    """The lines that run the model on `inputs`: greedy generation that prints `decoded` (an expression of `output`),
    or a forward pass without gradients."""
    if generates:
        return ["output = model.generate(**inputs, max_new_tokens=20, do_sample=False)", f"print({decoded})"]
    return ["with torch.no_grad():", "    outputs = model(**inputs)"]
