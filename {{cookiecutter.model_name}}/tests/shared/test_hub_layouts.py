"""Checkpoints laid out as the best-known Hub repos of the family's source model serve them (`hub_layouts.py`: sharded
weights with an index, legacy config keys and dtypes, tokenizers and processors in their older and current formats,
other libraries' files beside them) convert into this model: the same outputs as the native model loaded from the
same folder (fp32, 1e-5) for inputs that the source's processor and the converted one make alike, the dtype the
weights are stored in, and for a model that generates, the same generation settings and greedy tokens. The input
folder is left as it was."""

import json

import pytest
import torch
import transformers
from safetensors import safe_open

from ..common import assert_same_outputs
from ..contract import CONVERSION, HUB_LAYOUTS, hub_inputs
from ..helpers import files_of
from ..hub_layouts import LAYOUTS


def stored_dtypes(folder) -> set[str]:
    """The dtypes of the floating-point tensors stored in a folder's safetensors files."""
    dtypes = set()
    for path in folder.glob("*.safetensors"):
        with safe_open(path, framework="pt") as weights:
            dtypes |= {weights.get_slice(name).get_dtype() for name in weights.keys()}
    return {dtype for dtype in dtypes if dtype in ("F16", "BF16", "F32", "F64")}


def generation_settings(model: transformers.PreTrainedModel) -> dict:
    """The generation settings `model` loaded with, but the output flags that `save_pretrained` writes into every
    generation_config.json it makes from the model's config (False: not asked for)."""
    flags = ("output_attentions", "output_hidden_states")
    return {key: value for key, value in model.generation_config.to_diff_dict().items() if value or key not in flags}


# A fork of a model type without such layouts has none (an empty parameter set would be a skip).
if HUB_LAYOUTS:

    @pytest.mark.parametrize("repo", HUB_LAYOUTS)
    def test_a_checkpoint_laid_out_as_on_the_hub_converts_with_the_native_outputs(tmp_path, repo):
        source = LAYOUTS[repo](tmp_path / "hub")
        before = files_of(source)
        assert CONVERSION.main(["--input", str(source), "--output", str(tmp_path / "converted")]) == 0
        assert files_of(source) == before

        architecture = json.loads((source / "config.json").read_text())["architectures"][0]
        native = getattr(transformers, architecture).from_pretrained(source, dtype=torch.float32).eval()
        model = CONVERSION.HEADS[architecture].from_pretrained(tmp_path / "converted", dtype=torch.float32).eval()
        inputs = hub_inputs(source, tmp_path / "converted")
        with torch.no_grad():
            ours, theirs = model(**inputs, output_hidden_states=True), native(**inputs, output_hidden_states=True)
        assert_same_outputs(ours, theirs, inputs, tolerance=1e-5, where=repo)

        # Stored as the source stores them, and said so in config.json (transformers 4's `torch_dtype` is `dtype` now).
        assert stored_dtypes(tmp_path / "converted") == stored_dtypes(source)
        saved = json.loads((source / "config.json").read_text())
        expected = saved.get("dtype", saved.get("torch_dtype", "float32"))
        assert json.loads((tmp_path / "converted" / "config.json").read_text())["dtype"] == expected

        if native.can_generate():
            assert generation_settings(model) == generation_settings(native)
            options = {"max_new_tokens": 4, "do_sample": False}
            torch.testing.assert_close(model.generate(**inputs, **options), native.generate(**inputs, **options))
