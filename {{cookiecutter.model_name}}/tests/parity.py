"""Compare this model's outputs with a native transformers model's, structure and values."""

from __future__ import annotations

import os
from typing import Any

import torch
from transformers import PretrainedConfig
from transformers.cache_utils import Cache


def assert_same_outputs(ours: Any, native: Any, where: str = "outputs", atol: float = 1e-5) -> None:
    """Assert that `ours` has the structure of `native` (tuple, nested tuples, caches, tensors) and its values.

    `return_dict=False` outputs are compared element by element: same length and order, the same `None` entries
    dropped, every tensor equal within `atol` (fp32).
    """
    kind, native_kind = type(ours).__name__, type(native).__name__
    # A class of the native model's own (`ReformerDynamicCache`) that a fork renames (`MyForkDynamicCache`): compared
    # by what it holds.
    suffix = os.path.commonprefix([kind[::-1], native_kind[::-1]])[::-1]
    renamed = (
        type(native).__module__.startswith("transformers.models.")
        and not type(ours).__module__.startswith("transformers.")
        and suffix[:1].isupper()  # the same name after the models' own prefixes
    )
    assert type(ours) is type(native) or renamed, f"{where}: {kind} where the native model gives {native_kind}"
    if isinstance(native, torch.Tensor):
        torch.testing.assert_close(ours, native, rtol=atol, atol=atol, msg=lambda message: f"{where}: {message}")
    elif isinstance(native, tuple | list):
        assert len(ours) == len(native), f"{where}: {len(ours)} elements where the native model gives {len(native)}"
        for index, (our_item, native_item) in enumerate(zip(ours, native, strict=True)):
            assert_same_outputs(our_item, native_item, f"{where}[{index}]", atol)
    elif isinstance(native, Cache) and hasattr(native, "cross_attention_cache"):  # an encoder-decoder's two caches
        for part in ("self_attention_cache", "cross_attention_cache"):
            assert_same_outputs(getattr(ours, part), getattr(native, part), f"{where}.{part}", atol)
    elif isinstance(native, Cache):
        assert len(ours.layers) == len(native.layers), f"{where}: not the same number of cache layers"
        for index, (our_layer, native_layer) in enumerate(zip(ours.layers, native.layers, strict=True)):
            tensors, native_tensors = layer_tensors(our_layer), layer_tensors(native_layer)
            assert tensors.keys() == native_tensors.keys(), f"{where}.layers[{index}]: not the same states"
            for name, tensor in native_tensors.items():
                assert_same_outputs(tensors[name], tensor, f"{where}.layers[{index}].{name}", atol)
    elif renamed:
        tensors, native_tensors = layer_tensors(ours), layer_tensors(native)
        assert tensors.keys() == native_tensors.keys(), f"{where}: not the same tensors"
        for name, tensor in native_tensors.items():
            assert_same_outputs(tensors[name], tensor, f"{where}.{name}", atol)
    else:
        assert ours == native, f"{where}: {ours!r} != {native!r}"


def layer_tensors(layer: Any) -> dict[str, torch.Tensor]:
    """The tensors an object holds, by name: a cache layer's keys and values, or a recurrent layer's states."""
    return {name: value for name, value in sorted(vars(layer).items()) if isinstance(value, torch.Tensor)}


def same_math(config: PretrainedConfig, native_class: type[PretrainedConfig], **overrides: Any) -> PretrainedConfig:
    """The native config (`native_class`) with the settings of `config`: what a conversion maps back onto ours."""
    values = {key: value for key, value in config.to_dict().items() if key not in ("model_type", "auto_map")}
    return native_class(**{**values, **overrides})
