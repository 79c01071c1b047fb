"""Compare this model's outputs with a native transformers model's, structure and values."""

from __future__ import annotations

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


def same_math(config: PretrainedConfig, native_class: type[PretrainedConfig], **overrides: Any) -> PretrainedConfig:
    """The native config (`native_class`) with the settings of `config`: what a conversion maps back onto ours."""
    values = {key: value for key, value in config.to_dict().items() if key not in ("model_type", "auto_map")}
    return native_class(**{**values, **overrides})
