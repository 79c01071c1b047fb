"""The processor: image-token expansion, the chat template, the files it saves (with the `auto_map` that
AutoProcessor follows, and the code files it names), after `pipeline.save_pretrained` and a second save too, and the
loading of a saved folder with this project's own classes (no code from the folder)."""

import json

import numpy as np
import PIL.Image
import pytest
import transformers

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForConditionalGeneration
from {{ cookiecutter.model_name }}.cli import CommandError
from {{ cookiecutter.model_name }}.family import PROCESSOR_AUTO_MAP, check_processor, default_processor, load_processor

from ..contract import IMAGE
from ..helpers import PACKAGE, run_fresh

IMAGES = [PIL.Image.fromarray(np.full((20, 24, 3), value, dtype=np.uint8)) for value in (10, 200)]
# What a user does with saved folders, in a fresh process where this project cannot be imported: load each folder's
# processor by path with AutoProcessor, report what it is and what it makes of a chat. One process for every folder:
# each start spends seconds importing torch and transformers.
LOAD = """
import json, sys
import transformers
results = []
for folder in json.loads(sys.argv[1]):
    processor = transformers.AutoProcessor.from_pretrained(folder, trust_remote_code=True)
    chat = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Hi"}]}]
    prompt = processor.apply_chat_template(chat, add_generation_prompt=True)
    inputs = processor(images=json.loads(sys.argv[2]), text=prompt)
    results.append({
        "class": type(processor).__name__, "module": type(processor).__module__,
        "image processor": type(processor.image_processor).__name__, "input_ids": inputs["input_ids"],
        "num_image_tokens": processor.num_image_tokens,
    })
print(json.dumps(results))
"""


@pytest.fixture
def processor(config):
    return default_processor(config)


def test_each_image_token_becomes_one_token_per_feature(config, processor):
    inputs = processor(images=IMAGES, text=["<image> a cat", "two <image>"], padding=True, return_tensors="pt")
    assert inputs["pixel_values"].shape == (2, 3, 16, 16)
    assert ((inputs["input_ids"] == IMAGE).sum(-1) == config.num_image_tokens).all()
    row = inputs["input_ids"][0].tolist()
    assert row[1 : 1 + config.num_image_tokens] == [IMAGE] * config.num_image_tokens  # after <s>
    model = {{ cookiecutter.class_prefix }}ForConditionalGeneration(config).eval()
    assert model(**inputs).logits.shape[:2] == inputs["input_ids"].shape


@pytest.mark.parametrize(("text", "images", "found"), [("<image> <image> two", 1, 2), ("none", 2, 0)])
def test_image_tokens_that_do_not_match_the_images_give_one_clear_error(processor, text, images, found):
    with pytest.raises(ValueError) as error:
        processor(images=IMAGES[:images], text=text)
    assert str(error.value) == (
        f"The text has {found} image tokens '<image>' but {images} images were given: write one image token per "
        "image, where the image goes."
    )


def test_the_chat_template_writes_llava_prompts(processor):
    chat = [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
        {"role": "user", "content": "And now?"},
    ]
    prompt = processor.apply_chat_template(chat, add_generation_prompt=True)
    assert prompt == "USER: <image>\nWhat is it?\nASSISTANT: A cat.</s>\nUSER: And now?\nASSISTANT:"


def saved_files(folder) -> dict:
    """The processor's settings files as JSON, by name."""
    names = ("processor_config.json", "preprocessor_config.json", "tokenizer_config.json")
    return {name: json.loads((folder / name).read_text()) for name in names if (folder / name).is_file()}


def check_saved(folder) -> dict:
    """The folder names the processor's code in an `auto_map` and holds that code."""
    files = saved_files(folder)
    auto_maps = [settings["auto_map"] for settings in files.values() if "auto_map" in settings]
    assert any(auto_map.get("AutoProcessor") == PROCESSOR_AUTO_MAP["AutoProcessor"] for auto_map in auto_maps), files
    for auto_map in auto_maps:  # every file that names code names this project's, saved beside it
        for auto_class, reference in auto_map.items():
            assert reference == PROCESSOR_AUTO_MAP[auto_class]
            assert (folder / f"{reference.split('.')[0]}.py").is_file(), reference
    return files


def check_loaded(folders, processor, images) -> None:
    """AutoProcessor loads each folder's processor in a fresh process, and it makes the same inputs."""
    loaded = run_fresh(LOAD, json.dumps([str(folder) for folder in folders]), json.dumps(images), cwd=folders[0])
    chat = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Hi"}]}]
    expected = processor(images=images, text=processor.apply_chat_template(chat, add_generation_prompt=True))
    assert len(loaded) == len(folders)
    for folder, result in zip(folders, loaded, strict=True):
        assert result["class"] == type(processor).__name__ and result["module"].startswith("transformers_modules.")
        assert result["image processor"] == type(processor.image_processor).__name__, folder
        assert result["num_image_tokens"] == processor.num_image_tokens, folder
        assert result["input_ids"] == expected["input_ids"], folder


def test_saved_processor_files_survive_a_pipeline_save_and_a_second_save(tmp_path, config, processor):
    image = [str(tmp_path / "image.png")]
    IMAGES[0].save(image[0])
    model = {{ cookiecutter.class_prefix }}ForConditionalGeneration(config)
    model.save_pretrained(tmp_path / "saved")
    processor.save_pretrained(tmp_path / "saved")
    first = check_saved(tmp_path / "saved")
    assert first["processor_config.json"]["auto_map"] == {"AutoProcessor": PROCESSOR_AUTO_MAP["AutoProcessor"]}
    assert (tmp_path / "saved" / f"processing_{PACKAGE}.py").is_file()

    # pipeline.save_pretrained saves the model, the tokenizer and the image processor (not the processor itself).
    pipe = transformers.pipeline("image-text-to-text", model=str(tmp_path / "saved"), trust_remote_code=True)
    pipe.save_pretrained(tmp_path / "pipeline")
    check_saved(tmp_path / "pipeline")

    # A processor loaded from a saved folder saves again as it was (transformers adds the options it was loaded with
    # to tokenizer_config.json, `is_local` and `local_files_only`, which change nothing).
    again = transformers.AutoProcessor.from_pretrained(tmp_path / "saved", trust_remote_code=True)
    again.save_pretrained(tmp_path / "again")
    second = saved_files(tmp_path / "again")
    for settings in (first, second):
        for option in ("is_local", "local_files_only"):
            settings["tokenizer_config.json"].pop(option, None)
    assert second == first
    check_saved(tmp_path / "again")
    check_loaded([tmp_path / "saved", tmp_path / "pipeline", tmp_path / "again"], processor, image)


def test_a_saved_processor_loads_with_this_projects_classes(tmp_path, config, processor):
    processor.save_pretrained(tmp_path)
    loaded = load_processor(tmp_path, config)
    assert type(loaded) is type(processor) and type(loaded.image_processor) is type(processor.image_processor)
    check_processor(loaded, config)
    text = "<image> hello"
    assert loaded(images=IMAGES[0], text=text)["input_ids"] == processor(images=IMAGES[0], text=text)["input_ids"]


def test_an_image_processor_that_names_other_code_is_refused(tmp_path, config, processor):
    processor.save_pretrained(tmp_path)
    settings = json.loads((tmp_path / "processor_config.json").read_text())
    settings["image_processor"]["auto_map"] = {"AutoImageProcessor": "trap.TrapImageProcessor"}
    (tmp_path / "processor_config.json").write_text(json.dumps(settings))
    with pytest.raises(CommandError) as error:
        load_processor(tmp_path, config)
    assert str(error.value).startswith(f"{tmp_path / 'processor_config.json'} names code to run (image_processor: ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_image_tokens": 5}, "the processor writes 5 image tokens per image but the model gives 4 features"),
        ({"image_size": 32}, "the image processor resizes to {'height': 32, 'width': 32} but the vision tower"),
    ],
)
def test_a_processor_that_does_not_fit_the_model_is_refused(config, change, message):
    processor = default_processor(config)
    if "num_image_tokens" in change:
        processor.num_image_tokens = change["num_image_tokens"]
    else:
        processor.image_processor.size = {"height": 32, "width": 32}
    with pytest.raises(CommandError, match=message.replace("{", r"\{").replace("}", r"\}")):
        check_processor(processor, config)
