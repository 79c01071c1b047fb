"""verify's generation check: a model that stops using the cache `generate` passes it (as remote code written for
`past_key_values` did when transformers 5.24 renamed it `cache`) computes the recorded logits and fails verify. (That a
model that uses it passes is `test_verify.py::test_record_then_verify_by_local_path`.)"""

from ..shared.test_verify import OWN_MODELS, append_code, checkpoint, recorded, verify  # noqa: F401 (checkpoint: the fixture)

# Every model class of the modeling file drops the cache it is given, under either name (a wrapped `forward`).
DROPS_THE_CACHE = (
    OWN_MODELS
    + """
import functools as _functools


def _without_the_cache(forward):
    @_functools.wraps(forward)  # generate reads the signature: it stays the model's
    def forward_without_the_cache(self, *args, **kwargs):
        kwargs.pop("cache", None)
        kwargs.pop("past_key_values", None)
        return forward(self, *args, **kwargs)

    return forward_without_the_cache


for _model in _OWN_MODELS:
    if "forward" in vars(_model):
        _model.forward = _without_the_cache(_model.forward)
"""
)


def test_a_model_that_ignores_the_cache_it_is_given_fails(checkpoint, capsys):  # noqa: F811
    recorded(capsys, checkpoint)
    append_code(checkpoint, DROPS_THE_CACHE)
    code, lines, _ = verify(capsys, checkpoint)
    assert code == 1 and len(lines) == 4, lines  # the report, one problem, the two version sets
    assert lines[1].startswith("  generation: greedy tokens with the key/value cache differ from those "), lines
    assert lines[1].endswith("on: the model does not use the cache that generate passes it"), lines
