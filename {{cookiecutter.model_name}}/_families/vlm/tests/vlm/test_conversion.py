"""What converting a native LLaVA checkpoint must carry beyond the shared parity checks (test_conversion_common.py,
test_hub_layouts.py, test_modeling.py): the processor, which publishes as it was converted; processor settings that
would not fit the model are refused."""

import json

import pytest

from {{ cookiecutter.model_name }}.cli import CommandError
from {{ cookiecutter.model_name }}.convert_llava_to_{{ cookiecutter.model_name }} import convert
from {{ cookiecutter.model_name }}.publish import main as publish_main

from ..contract import hub_inputs
from ..hub_layouts import LAYOUTS, write_json


def test_a_converted_llava_hf_checkpoint_publishes_with_its_own_processor(tmp_path, capsys):
    source = LAYOUTS["llava-hf/llava-1.5-7b-hf"](tmp_path / "hub")
    convert(source, tmp_path / "converted")
    release = tmp_path / "release"
    assert publish_main(["--checkpoint", str(tmp_path / "converted"), "--dry-run", "--output", str(release)]) == 0
    assert "no processor_config.json found" not in capsys.readouterr().out  # no default put in its place
    for name in ("processor_config.json", "chat_template.jinja", "tokenizer.json", "tokenizer_config.json"):
        assert (release / name).read_bytes() == (tmp_path / "converted" / name).read_bytes(), name
    inputs = hub_inputs(source, release)  # the release's processor makes what LlavaProcessor makes
    assert inputs["pixel_values"].shape == (2, 3, 28, 28)


def edit(path, **changes):
    write_json(path, {**json.loads(path.read_text()), **changes})


@pytest.mark.parametrize(
    ("file", "changes", "message"),
    [
        (
            "processor_config.json",
            {"num_additional_image_tokens": 0},
            "the input's processor_config.json makes LlavaProcessor write 3 image tokens per image, but the model "
            "gives 4 features",
        ),
        (
            "preprocessor_config.json",
            {"crop_size": {"height": 42, "width": 42}},
            "the image processor crops to {'height': 42, 'width': 42} but the vision tower expects",
        ),
    ],
    ids=["image-tokens", "crop-size"],
)
def test_processor_settings_that_do_not_fit_the_model_are_refused(tmp_path, file, changes, message):
    source = LAYOUTS["llava-hf/llava-1.5-7b-hf"](tmp_path / "hub")
    edit(source / file, **changes)
    with pytest.raises(CommandError, match=message.replace("{", r"\{").replace("}", r"\}")):
        convert(source, tmp_path / "converted")
    assert not (tmp_path / "converted").exists()
