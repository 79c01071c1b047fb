"""Compare this model's outputs with a native transformers model's, structure and values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from transformers import PretrainedConfig, PreTrainedModel
from transformers.cache_utils import Cache


def assert_same_outputs(ours: Any, native: Any, where: str = "outputs", atol: float = 1e-5) -> None:
    """Assert that `ours` has the structure of `native` (tuple, nested tuples, caches, tensors) and its values.

    `return_dict=False` outputs are compared element by element: same length and order, the same `None` entries
    dropped, every tensor equal within `atol` (fp32).
    """
    kind, native_kind = type(ours).__name__, type(native).__name__
    assert type(ours) is type(native), f"{where}: {kind} where the native model gives {native_kind}"
    if isinstance(native, torch.Tensor):
        torch.testing.assert_close(ours, native, rtol=atol, atol=atol, msg=lambda message: f"{where}: {message}")
    elif isinstance(native, tuple | list):
        assert len(ours) == len(native), f"{where}: {len(ours)} elements where the native model gives {len(native)}"
        for index, (our_item, native_item) in enumerate(zip(ours, native, strict=True)):
            assert_same_outputs(our_item, native_item, f"{where}[{index}]", atol)
    elif isinstance(native, Cache):
        assert len(ours.layers) == len(native.layers), f"{where}: not the same number of cache layers"
        for index, (our_layer, native_layer) in enumerate(zip(ours.layers, native.layers, strict=True)):
            assert_same_outputs(our_layer.keys, native_layer.keys, f"{where}.layers[{index}].keys", atol)
            assert_same_outputs(our_layer.values, native_layer.values, f"{where}.layers[{index}].values", atol)
    else:
        assert ours == native, f"{where}: {ours!r} != {native!r}"


def in_our_layout(native: Mapping[str, Any]) -> Mapping[str, Any]:
    """A native model's outputs in the layout of this project's heads, transformers 5.23's: from transformers 5.24 on,
    LLaVA returns its vision tower's outputs (`image_outputs`, the projected features of each image as their
    `pooler_output`) where it returned the projected features (`image_hidden_states`). Other outputs as they are."""
    if "image_outputs" not in native:
        return native
    outputs = {name: value for name, value in native.items() if name != "image_outputs"}
    features = native["image_outputs"].pooler_output
    outputs["image_hidden_states"] = torch.cat([feature.reshape(-1, feature.shape[-1]) for feature in features])
    return outputs


def native_tuple(native: PreTrainedModel, inputs: dict[str, Any]) -> tuple:
    """The native model's `return_dict=False` tuple, in the layout of this project's heads (see `in_our_layout`)."""
    outputs = native(**inputs, return_dict=True)
    if "image_outputs" not in outputs:
        return native(**inputs, return_dict=False)
    return tuple(in_our_layout(outputs).values())


def same_math(config: PretrainedConfig, native_class: type[PretrainedConfig], **overrides: Any) -> PretrainedConfig:
    """The native config (`native_class`) with the settings of `config`: what a conversion maps back onto ours."""
    values = {key: value for key, value in config.to_dict().items() if key not in ("model_type", "auto_map")}
    return native_class(**{**values, **overrides})
