"""verify's generation check: a model that stops using the cache `generate` passes it (as remote code written for
`past_key_values` did when transformers 5.24 renamed it `cache`) computes the recorded logits and fails verify."""

from .helpers import PACKAGE
from .test_verify import checkpoint, edit, recorded, verify  # noqa: F401 (checkpoint: the fixture)

# The line of the bare model's forward that takes the cache generate passes; the tampered one drops it.
TAKES_THE_CACHE = 'past_key_values = kwargs.pop("cache", past_key_values)'
DROPS_THE_CACHE = 'past_key_values = kwargs.pop("cache", None) and None'


def test_a_model_that_ignores_the_cache_it_is_given_fails(checkpoint, capsys):  # noqa: F811
    recorded(capsys, checkpoint)
    code, lines, _ = verify(capsys, checkpoint)
    assert code == 0 and ", 8 greedy tokens alike with and without the cache; " in lines[0], lines

    edit(checkpoint / f"modeling_{PACKAGE}.py", TAKES_THE_CACHE, DROPS_THE_CACHE)
    code, lines, _ = verify(capsys, checkpoint)
    assert code == 1 and len(lines) == 4, lines  # the report, one problem, the two version sets
    assert lines[1].startswith("  generation: greedy tokens with the key/value cache differ from those "), lines
    assert lines[1].endswith("on: the model does not use the cache that generate passes it"), lines
