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


def export_notes(native: str, onnx: bool, cache: bool, static_cache: bool = False) -> str:
    """The model card's note on PyTorch's compilers and ONNX for a family whose native model is `native`: what
    tests/shared/test_compile_export.py checks (and, with `static_cache`, the text families' generation test).
    `cache`: the model returns a key/value cache, which an exported program cannot return."""
    no_cache = " (with `use_cache=False`: an exported program returns tensors, not a cache)"
    inputs = "`inputs`" + (no_cache if cache else "")
    notes = [
        "`torch.compile(model, fullgraph=True)` compiles the whole forward as one graph, and "
        f"`torch.export.export(model, args=(), kwargs=inputs)` exports it for {inputs}, as for {native}."
    ]
    if static_cache:
        notes.append(
            '`model.generate(**inputs, cache_implementation="static")` compiles the forward of the decoding steps '
            f"on a GPU, as for {native}."
        )
    if onnx:
        notes.append(
            '`torch.onnx.export(model, args=(), kwargs=inputs, dynamo=True).save("model.onnx")` exports it to ONNX '
            "(`pip install onnx onnxscript onnxruntime`), and onnxruntime runs the file with the model's outputs."
        )
    else:
        notes.append(f"ONNX export is not a path of this model, as it is not of {native}.")
    return " ".join(notes)
