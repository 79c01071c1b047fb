"""The files that make a folder a sentence-transformers model, read as data: checked, then carried from a BERT
folder into the converted checkpoint, and from a checkpoint into its release.

sentence-transformers loads a folder through its `modules.json`: a list of modules, each a class (`type`) and the
folder its files are in (`path`). The first is a `Transformer`, which loads this model from the folder itself with
transformers' Auto classes (so `SentenceTransformer(folder, trust_remote_code=True)` runs this project's saved code);
the others compute the sentence embedding from its token embeddings (`Pooling`, `Normalize`, `Dense`, ...), each in a
sub-folder. `config_sentence_transformers.json` holds the model's settings (prompts, similarity function),
`sentence_bert_config.json` the Transformer's.

sentence-transformers imports the class that each module names, and with `trust_remote_code=True` (which this model
needs) a class outside its own package is imported from the folder: code. So, before anything is copied:
- every module is one of sentence-transformers' own classes, of the kinds in `MODULE_KINDS`, the Transformer first;
- every module lives in the folder (the Transformer) or in one sub-folder of it, never outside; only a module that
  stores nothing (`FOLDERLESS_KINDS`: Normalize, Dropout) may lack its sub-folder, as sentence-transformers allows;
- a module folder holds JSON and safetensors files only, and a Dense layer's activation is one of torch's;
- the Transformer's settings are the plain ones sentence-transformers writes: no tokenizer, model or config arguments,
  which could load other files or code;
- `config_sentence_transformers.json` describes a SentenceTransformer (not a CrossEncoder or a SparseEncoder).
A folder that breaks one of these is refused with one line, and nothing from it is imported.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .cli import CommandError
from .inputs import PICKLE_SUFFIXES, read_json, tensor_shapes
from .usage import code_block

MODULES_FILE = "modules.json"
SETTINGS_FILE = "config_sentence_transformers.json"
TRANSFORMER_FILE = "sentence_bert_config.json"
MODEL_TYPE = "SentenceTransformer"
# A class of sentence-transformers' own package, as `modules.json` names it: `sentence_transformers.models.Pooling`
# (releases before 6.0) or `sentence_transformers.sentence_transformer.modules.pooling.Pooling`.
OWN_CLASS = re.compile(r"sentence_transformers(\.[A-Za-z_][A-Za-z0-9_]*)+")
# The kinds of module carried, by class name: the Transformer that runs this model, then modules that compute the
# sentence embedding from its outputs with sentence-transformers' own code.
MODULE_KINDS = ("Transformer", "Pooling", "Normalize", "Dense", "LayerNorm", "Dropout")
# The kinds whose folder may be missing: sentence-transformers builds them from their defaults when their folder holds
# no file (they hold no weights and need no setting). Older releases saved no files for Normalize, so the Hub's repos
# name a `2_Normalize` folder they do not have (all-MiniLM-L6-v2). The other kinds need their files, and a folder
# missing for one of them is refused. test_sentence_transformers.py checks this list against the installed
# sentence-transformers.
FOLDERLESS_KINDS = ("Normalize", "Dropout")
# A module's folder: one sub-folder of the folder (the Transformer may also be in the folder itself, "").
FOLDER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# The files of a module folder that are carried (its config and weights).
MODULE_FILE_SUFFIXES = (".json", ".safetensors")
# The Transformer settings carried (how texts are cut and tokenized, which outputs are read), and the arguments it
# passes to transformers' from_pretrained, carried only when empty.
TRANSFORMER_SETTINGS = (
    "max_seq_length",
    "do_lower_case",
    "transformer_task",
    "modality_config",
    "module_output_name",
    "processing_kwargs",
    "unpad_inputs",
)
TRANSFORMER_ARGUMENTS = (
    "model_args",
    "model_kwargs",
    "tokenizer_args",
    "processor_kwargs",
    "config_args",
    "config_kwargs",
)


@dataclass(frozen=True)
class SentenceTransformersFiles:
    """The checked sentence-transformers files of `folder`, and what a release that carries them says about them."""

    folder: Path
    modules: list[dict[str, Any]]  # modules.json, as read
    model_path: str  # the Transformer's folder, relative to `folder` ("" for the folder itself)
    module_files: dict[str, list[str]]  # folder of each other module -> the files it carries

    library_name: ClassVar[str] = "sentence-transformers"
    pipeline_tag: ClassVar[str] = "sentence-similarity"
    tags: ClassVar[list[str]] = ["sentence-transformers", "sentence-similarity", "feature-extraction"]

    def files(self) -> list[str]:
        """The paths that `copy_into` writes, relative to the folder it writes to."""
        written = [MODULES_FILE, TRANSFORMER_FILE, SETTINGS_FILE]
        sources = [self.folder / MODULES_FILE, self.folder / self.model_path / TRANSFORMER_FILE]
        sources.append(self.folder / SETTINGS_FILE)
        carried = [name for name, source in zip(written, sources, strict=True) if source.is_file()]
        return carried + [f"{folder}/{name}" for folder, names in self.module_files.items() for name in names]

    def copy_into(self, output: Path) -> None:
        """Write the files into `output`, the model's folder: the Transformer there, every other module below it."""
        if self.model_path:  # the model moved beside modules.json
            transformer = {**self.modules[0], "path": ""}
            (output / MODULES_FILE).write_text(json.dumps([transformer, *self.modules[1:]], indent=2))
        else:
            shutil.copyfile(self.folder / MODULES_FILE, output / MODULES_FILE)
        for source, target in (
            (self.folder / self.model_path / TRANSFORMER_FILE, output / TRANSFORMER_FILE),
            (self.folder / SETTINGS_FILE, output / SETTINGS_FILE),
        ):
            if source.is_file():
                shutil.copyfile(source, target)
        for folder, names in self.module_files.items():
            (output / folder).mkdir(exist_ok=True)
            for name in names:
                shutil.copyfile(self.folder / folder / name, output / folder / name)

    def usage_code(self, repo_id: str) -> str:
        """A Markdown code block that loads the published model with sentence-transformers and compares texts."""
        lines = [
            "model = SentenceTransformer(repo_id, trust_remote_code=True, revision=revision)",
            'embeddings = model.encode(["The weather is lovely today.", "It is sunny outside.", "He drove home."])',
            "print(model.similarity(embeddings, embeddings))",
        ]
        return code_block(["from sentence_transformers import SentenceTransformer"], repo_id, lines)

    def load_line(self, repo_id: str, revision: str) -> str:
        return f'SentenceTransformer("{repo_id}", trust_remote_code=True, revision="{revision}")'


def read_sentence_transformers(folder: Path) -> SentenceTransformersFiles | None:
    """The checked sentence-transformers files of `folder`; None if it has no `modules.json`."""
    path = folder / MODULES_FILE
    if not path.is_file():
        return None
    modules = read_json(path, kind=list)
    if not modules or not all(isinstance(module, dict) for module in modules):
        raise CommandError(f"{path} does not list modules as objects: save the model again with SentenceTransformer.")
    kinds = [module_kind(path, module) for module in modules]
    if kinds[0] != "Transformer" or kinds.count("Transformer") != 1:
        raise CommandError(
            f"{path} lists the modules {kinds}: it must list one Transformer, first (it runs the model); save the "
            "model again with SentenceTransformer."
        )
    folders = [
        module_folder(path, module, in_folder_itself=index == 0, may_be_missing=kind in FOLDERLESS_KINDS)
        for index, (module, kind) in enumerate(zip(modules, kinds, strict=True))
    ]
    if len(set(folders)) != len(folders):
        raise CommandError(f"{path} puts two modules in one folder ({folders}): save the model again.")
    check_transformer_settings(folder / folders[0] / TRANSFORMER_FILE)
    check_model_settings(folder / SETTINGS_FILE)
    # The Transformer's folder holds the model itself, which is converted or saved, never copied; a module that stores
    # nothing may have no folder, and then none is written.
    module_files = {
        name: module_folder_files(folder / name, kind)
        for name, kind in zip(folders[1:], kinds[1:], strict=True)
        if (folder / name).is_dir()
    }
    return SentenceTransformersFiles(folder, modules, folders[0], module_files)


def module_kind(path: Path, module: dict[str, Any]) -> str:
    """The kind of `module` (its class name), if it is one of sentence-transformers' own classes that is carried."""
    class_ref, name = module.get("type"), module.get("name", module.get("idx"))
    if not isinstance(class_ref, str) or not OWN_CLASS.fullmatch(class_ref):
        raise CommandError(
            f"{path} names code to run (module {name!r}: {class_ref!r}), and code from an input folder is never run: "
            f"keep to sentence-transformers' own modules ({', '.join(MODULE_KINDS)}), or remove that one."
        )
    kind = class_ref.rsplit(".", 1)[-1]
    if kind not in MODULE_KINDS:
        raise CommandError(
            f"{path}: module {name!r} is a sentence-transformers {kind}, which is not carried (only "
            f"{', '.join(MODULE_KINDS)}): remove it."
        )
    return kind


def module_folder(path: Path, module: dict[str, Any], in_folder_itself: bool, may_be_missing: bool) -> str:
    """The folder of `module`, relative to the folder of `path`: one of its sub-folders (or itself, if allowed), which
    must exist unless `may_be_missing` (a module that stores nothing)."""
    folder, name = module.get("path"), module.get("name", module.get("idx"))
    if folder == "" and in_folder_itself:
        return folder
    inside = isinstance(folder, str) and FOLDER_NAME.fullmatch(folder)
    if not inside or (path.parent / folder).resolve().parent != path.parent.resolve():  # a link may lead elsewhere
        raise CommandError(
            f"{path} puts module {name!r} in {folder!r}, not in a sub-folder of {path.parent}: a module's files must "
            "be in the folder itself; save the model again with SentenceTransformer."
        )
    target = path.parent / folder
    if not target.is_dir() and (target.exists() or not may_be_missing):
        raise CommandError(f"{path} puts module {name!r} in {folder!r}, missing from {path.parent}: copy it too.")
    return folder


def module_folder_files(folder: Path, kind: str) -> list[str]:
    """The files of a module's `folder` that are carried, each one checked: JSON objects and safetensors weights."""
    names = []
    for path in sorted(folder.iterdir()):
        if path.suffix in PICKLE_SUFFIXES:
            raise CommandError(
                f"{path} is a pickle file, and pickle files are never loaded: save the model again with "
                "SentenceTransformer, which writes safetensors."
            )
        if path.suffix == ".py":
            raise CommandError(f"{path} is code, and code from an input folder is never run: remove it.")
        if path.is_file() and path.suffix in MODULE_FILE_SUFFIXES:
            names.append(path.name)
    tensor_shapes([folder / name for name in names if name.endswith(".safetensors")])  # readable weights
    for name in names:
        if name.endswith(".json"):
            settings = read_json(folder / name)
            activation = settings.get("activation_function")
            if kind == "Dense" and activation is not None:
                check_activation(folder / name, activation)
    return names


def check_activation(path: Path, activation: Any) -> None:
    """A Dense layer's activation must be one of torch's: sentence-transformers imports it by name."""
    if not isinstance(activation, str) or not re.fullmatch(r"torch(\.[A-Za-z_][A-Za-z0-9_]*)+", activation):
        raise CommandError(
            f"{path} names code to run (activation_function {activation!r}), and code from an input folder is never "
            "run: use one of torch's activations (e.g. torch.nn.modules.activation.Tanh)."
        )


def check_transformer_settings(path: Path) -> None:
    """The Transformer's settings (if any): only those that change how texts are cut and which outputs are read."""
    settings = read_json(path, missing_ok=True)
    unknown = sorted(set(settings) - set(TRANSFORMER_SETTINGS) - set(TRANSFORMER_ARGUMENTS))
    arguments = [name for name in TRANSFORMER_ARGUMENTS if settings.get(name)]
    if unknown or arguments:
        raise CommandError(
            f"{path} sets {', '.join(unknown + arguments)}, which could load other files or code: a release carries "
            f"only {', '.join(TRANSFORMER_SETTINGS)} (and empty argument lists); remove the others."
        )
    task = settings.get("transformer_task", "feature-extraction")
    modalities = settings.get("modality_config", {})
    forward_only = isinstance(modalities, dict) and all(
        isinstance(value, dict) and value.get("method", "forward") == "forward" for value in modalities.values()
    )
    if task != "feature-extraction" or not forward_only:
        raise CommandError(
            f"{path} runs the model as {task!r} through {modalities!r}: this model is run as 'feature-extraction' "
            "(AutoModel) through its forward method only; remove transformer_task and modality_config."
        )


def check_model_settings(path: Path) -> None:
    """The model's settings (if any) must describe a SentenceTransformer: a sentence embedding model."""
    model_type = read_json(path, missing_ok=True).get("model_type", MODEL_TYPE)
    if model_type != MODEL_TYPE:
        raise CommandError(
            f"{path} describes a {model_type!r} model, not a {MODEL_TYPE}: only sentence embedding models are carried."
        )
