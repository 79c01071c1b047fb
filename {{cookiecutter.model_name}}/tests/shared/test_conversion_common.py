"""Every native transformers head converts, with the family's conversion script, into the matching head with the same
outputs and hidden states (fp32, 1e-5) for every input variant; a checkpoint that does not match the model fails
loudly and writes nothing. The family's own conversion tests cover its options (tying, poolers, processors, ...)."""

import pytest
import torch
import transformers
from safetensors.torch import load_file, save_file

from {{ cookiecutter.model_name }}.conversion import ConversionError
from {{ cookiecutter.model_name }}.family import CONVERTS_FROM

from ..common import DEFAULT_CLASS, assert_same_outputs
from ..contract import CONVERSION, CONVERTED_KEY, INPUT_VARIANTS, example_inputs, native_config


@pytest.mark.parametrize("native_name", CONVERSION.HEADS)
def test_every_native_head_converts_with_the_same_outputs(tmp_path, config, native_name):
    native = getattr(transformers, native_name)(native_config(config)).eval()
    native.save_pretrained(tmp_path / "native")
    assert CONVERSION.main(["--input", str(tmp_path / "native"), "--output", str(tmp_path / "converted")]) == 0
    model = CONVERSION.HEADS[native_name].from_pretrained(tmp_path / "converted").eval()
    assert type(model) is CONVERSION.HEADS[native_name]
    # What was converted, for the model card (test_publish.py): the folder's name alone, never its whole path.
    recorded = model.config.converted_from
    assert (recorded["model_type"], recorded["name"], "revision" in recorded) == (CONVERTS_FROM, "native", False)

    for variant in INPUT_VARIANTS:
        inputs = example_inputs(config, variant)
        with torch.no_grad():
            ours, theirs = model(**inputs, output_hidden_states=True), native(**inputs, output_hidden_states=True)
        assert_same_outputs(ours, theirs, inputs, tolerance=1e-5, where=variant)


@pytest.mark.parametrize("fault", ["missing", "unexpected", "shape"])
def test_a_mismatched_checkpoint_fails_loudly_and_writes_nothing(tmp_path, config, fault):
    native_name = next(name for name, head in CONVERSION.HEADS.items() if head is DEFAULT_CLASS)
    getattr(transformers, native_name)(native_config(config)).save_pretrained(tmp_path / "native")
    tensors = load_file(tmp_path / "native" / "model.safetensors")
    native_key, our_key = CONVERTED_KEY
    if fault == "missing":
        del tensors[native_key]
        message = f"missing from checkpoint: [{our_key!r}]"
    elif fault == "unexpected":
        tensors["extra"] = torch.zeros(1)
        message = "unused from checkpoint: ['extra']"
    else:  # one column short
        shape = tuple(tensors[native_key].shape)
        tensors[native_key] = tensors[native_key][..., :-1].contiguous()
        message = f"shape mismatches: ['{our_key}: checkpoint {tuple(tensors[native_key].shape)} != model {shape}']"
    save_file(tensors, tmp_path / "native" / "model.safetensors", metadata={"format": "pt"})

    with pytest.raises(ConversionError) as error:
        CONVERSION.convert(tmp_path / "native", tmp_path / "converted")
    assert str(error.value) == f"the checkpoint does not match the model: {message}."
    assert not (tmp_path / "converted").exists()


def test_cli_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("do not overwrite")
    with pytest.raises(SystemExit):
        CONVERSION.main(["--input", str(tmp_path), "--output", str(tmp_path / "out")])
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "out" / "keep.txt").read_text() == "do not overwrite"
