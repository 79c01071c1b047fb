"""`return_dict=False` (argument or config) gives the tuples `ViTModel` and its head give, element by element."""

from pathlib import Path

import pytest
import torch
from transformers import PreTrainedModel, ViTForImageClassification, ViTModel

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForImageClassification, {{ cookiecutter.class_prefix }}Model
from {{ cookiecutter.model_name }}.convert_vit_to_{{ cookiecutter.model_name }} import convert

from .parity import assert_same_outputs
from .test_conversion import tiny_vit_config

HEADS = {
    "Model": (ViTModel, {{ cookiecutter.class_prefix }}Model),
    "ForImageClassification": (ViTForImageClassification, {{ cookiecutter.class_prefix }}ForImageClassification),
}
CALLS = {
    "plain": {},
    "labels": {"labels": torch.tensor([0, 2])},
    "hidden-states-and-attentions": {"output_hidden_states": True, "output_attentions": True},
    "other-size": {
        "pixel_values": torch.randn(2, 3, 48, 40, generator=torch.Generator().manual_seed(4)),
        "interpolate_pos_encoding": True,
    },
}


def same_weights(head: str, folder: Path) -> tuple[PreTrainedModel, PreTrainedModel]:
    """The native head and its conversion into ours."""
    native_class, our_class = HEADS[head]
    native = native_class(tiny_vit_config()).eval()
    native.save_pretrained(folder / "vit")
    convert(folder / "vit", folder / "converted")
    ours = our_class.from_pretrained(folder / "converted").eval()
    for model in (native, ours):
        model.set_attn_implementation("eager")  # the only backend that returns attention weights
    return native, ours


@pytest.mark.parametrize(
    ("head", "call"),
    [(head, call) for head in HEADS for call in CALLS if not (head == "Model" and call == "labels")],
)
def test_return_dict_false_gives_the_native_tuple(tmp_path, head, call, pixel_values):
    native, ours = same_weights(head, tmp_path)
    arguments = {"pixel_values": pixel_values, **CALLS[call]}
    with torch.no_grad():
        expected = native(**arguments, return_dict=False)
        assert_same_outputs(ours(**arguments, return_dict=False), expected)
    assert isinstance(expected, tuple)


@pytest.mark.parametrize("head", list(HEADS))
def test_config_return_dict_false_gives_the_same_tuple(tmp_path, head, pixel_values):
    native, ours = same_weights(head, tmp_path)
    ours.config.return_dict = False
    with torch.no_grad():
        # ViT's head crashes with `config.return_dict = False` (its base model returns a tuple to it); ours returns
        # the tuple that `return_dict=False` gives, as BERT's heads do.
        expected = native(pixel_values, output_hidden_states=True, return_dict=False)
        assert_same_outputs(ours(pixel_values, output_hidden_states=True), expected)
        # The argument wins over the config, as for native models.
        assert ours(pixel_values, return_dict=True).keys() == native(pixel_values, return_dict=True).keys()
