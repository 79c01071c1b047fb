"""The tiny model configuration shared by the tests."""

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4


def tiny_config(**overrides) -> {{ cookiecutter.class_prefix }}Config:
    """A model small enough to run every test on a laptop CPU in seconds."""
    values = dict(
        vocab_size=99,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=64,
        pad_token_id=PAD,
        num_labels=3,
    )
    values.update(overrides)
    return {{ cookiecutter.class_prefix }}Config(**values)
