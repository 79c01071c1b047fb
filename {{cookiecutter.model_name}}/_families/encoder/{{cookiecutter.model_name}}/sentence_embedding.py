r"""Make a checkpoint of this model a sentence-transformers embedding model, with sentence-transformers' own classes.

    python -m {{ cookiecutter.model_name }}.sentence_embedding --checkpoint checkpoints/{{ cookiecutter.model_name }} \
        --output checkpoints/{{ cookiecutter.model_name }}-embeddings --pooling mean

`--checkpoint` is a save_pretrained folder of any head of this model, with its tokenizer. `--output` (a new folder)
gets what `SentenceTransformer.save` writes: the bare model (`{{ cookiecutter.class_prefix }}Model`, which
sentence-transformers loads with AutoModel), the tokenizer, `modules.json`, `config_sentence_transformers.json`,
`sentence_bert_config.json`, and a folder per module: a Transformer that runs the model, a Pooling of its token
embeddings (`--pooling`: mean, cls, max, ...) and, unless `--no-normalize`, a Normalize to length 1 (cosine
similarity is then a dot product). `SentenceTransformer(output, trust_remote_code=True)` loads it, and
`python -m {{ cookiecutter.model_name }}.publish --checkpoint <output>` publishes it as a sentence-transformers model.

The checkpoint is checked as publish checks it, and no code from it runs: sentence-transformers loads the model with
this project's classes. This command needs sentence-transformers (`pip install sentence-transformers`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transformers import AutoConfig, AutoModel

from .checkpoint import load_model
from .cli import CommandError, check_new_folder, move_into, run_command, temporary_folder
from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .family import PROCESSOR_FILE, check_processor, load_processor
from .modeling_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Model

# sentence-transformers' pooling modes (`Pooling.POOLING_MODES`), the default first.
POOLING_MODES = ("mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken")


def make_embedding_model(
    checkpoint: Path,
    output: Path,
    pooling: str = "mean",
    normalize: bool = True,
    max_seq_length: int | None = None,
) -> list[str]:
    """Write the sentence-transformers model of `checkpoint` into `output` (new or empty); return the report lines."""
    try:
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError as error:
        raise CommandError(
            f"this command needs sentence-transformers ({error}): pip install sentence-transformers"
        ) from error
    model = load_model(checkpoint, None, None)  # this model's checkpoint, no code to run, weights that fit exactly
    if not (checkpoint / PROCESSOR_FILE).is_file():
        raise CommandError(
            f"--checkpoint {checkpoint} holds no {PROCESSOR_FILE}: save the tokenizer beside the model "
            "(tokenizer.save_pretrained), which sentence-transformers loads from the same folder."
        )
    check_processor(load_processor(checkpoint, model.config), model.config)
    # sentence-transformers loads the model with transformers' Auto classes, without trust_remote_code: registered
    # here, they build this project's classes, and the code files in the checkpoint are never imported.
    AutoConfig.register({{ cookiecutter.class_prefix }}Config.model_type, {{ cookiecutter.class_prefix }}Config, exist_ok=True)
    AutoModel.register({{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}Model, exist_ok=True)
    # The bare model keeps the pooler only if the checkpoint has one (a masked-LM checkpoint has none).
    pooler = {"add_pooling_layer": model.base_model.pooler is not None}
    transformer = Transformer(str(checkpoint), max_seq_length=max_seq_length, config_kwargs=pooler)
    modules = [transformer, Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling)]
    if normalize:
        modules.append(Normalize())
    with temporary_folder("embedding-") as staging:
        SentenceTransformer(modules=modules, device="cpu").save(str(staging), create_model_card=False)
        move_into(staging, output)
    names = [type(module).__name__ for module in modules]
    return [f"modules: {' -> '.join(names)} (pooling {pooling!r})", f"saved to {output}"]


def positive_integer(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number above 0")
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True, help="save_pretrained folder, with the tokenizer")
    parser.add_argument("--output", type=Path, required=True, help="new folder to write the embedding model to")
    parser.add_argument("--pooling", choices=POOLING_MODES, default="mean", help="how token embeddings become one")
    parser.add_argument(
        "--no-normalize", dest="normalize", action="store_false", help="keep the embeddings' length (default: 1)"
    )
    parser.add_argument(
        "--max-seq-length", type=positive_integer, help="tokens kept per text (default: the tokenizer's maximum)"
    )
    args = parser.parse_args(argv)
    if not args.checkpoint.is_dir():
        what = "is a file" if args.checkpoint.exists() else "does not exist"
        parser.error(f"--checkpoint {args.checkpoint} {what}: pass the folder it was saved to (save_pretrained).")
    if problem := check_new_folder(args.output, "--output"):
        parser.error(problem)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def run() -> int:
        report = make_embedding_model(args.checkpoint, args.output, args.pooling, args.normalize, args.max_seq_length)
        print("\n".join(report))
        return 0

    return run_command(run)


if __name__ == "__main__":
    raise SystemExit(main())
