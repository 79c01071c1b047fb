"""verify across transformers 5.24's rename of LLaVA's image outputs (record.RENAMED_OUTPUTS): a record of this model
fingerprints its projected image features, `image_hidden_states` before 5.24 and the `pooler_output` of
`image_outputs` from it, and a record made on the other side of the rename verifies on this side, its image features
compared under their old name. The record of the other side is written here from the model itself, as a release on
that side records it (its image outputs are those of `get_image_features`, which both sides share)."""

import torch

from {{ cookiecutter.model_name }} import verify_worker
from {{ cookiecutter.model_name }}.record import fingerprint, recorded_outputs, tensor_outputs

from ..shared.test_verify_reliability import rewrite_record, run_verify

RENAMED = "image_hidden_states as image_outputs.pooler_output (renamed in transformers 5.24.0)"


def in_other_layout(model, inputs: dict[str, torch.Tensor], outputs: dict[str, torch.Tensor]) -> dict:
    """The recorded `outputs` (`outputs.<name>`) as a release on the other side of the rename records them."""
    with torch.no_grad():
        image = model.get_image_features(inputs["pixel_values"], output_hidden_states=True)
    if "outputs.image_hidden_states" in outputs:  # recorded before 5.24: as 5.24 records them
        newer = recorded_outputs(tensor_outputs({"image_outputs": image}))
        kept = {name: value for name, value in outputs.items() if name != "outputs.image_hidden_states"}
        return kept | {f"outputs.{name}": value for name, value in newer.items()}
    kept = {name: value for name, value in outputs.items() if not name.startswith("outputs.image_outputs.")}
    return kept | {"outputs.image_hidden_states": fingerprint(torch.cat(image.pooler_output))}


def test_the_record_holds_the_image_features_and_a_record_of_the_other_side_compares_them(model_and_record):
    model, inputs, expected = model_and_record
    assert {"outputs.image_outputs.pooler_output.0", "outputs.image_hidden_states"} & set(expected), sorted(expected)
    other = in_other_layout(model, inputs, expected)
    problems, checked = verify_worker.output_problems(model, inputs, other, 1e-5, 1e-4)
    assert problems == [] and checked["renamed"] == [RENAMED], (problems, checked)
    assert checked["not_compared"] and all(name.startswith("image_outputs.") for name in checked["not_compared"])
    # The image features of the record, whichever its layout, are compared: changed, they fail under the old name.
    features = next(
        name for name in ("outputs.image_hidden_states", "outputs.image_outputs.pooler_output.0") if name in other
    )
    other[features] = other[features] + 1.0
    problems, _ = verify_worker.output_problems(model, inputs, other, 1e-5, 1e-4)
    assert len(problems) == 1 and problems[0].startswith("outputs.image_hidden_states: "), problems
    assert " values outside atol 1e-05 + rtol 0.0001 x |recorded|; largest difference 1 at " in problems[0]


def test_a_release_recorded_on_the_other_side_of_the_rename_verifies(release, model_and_record, capsys, checks_here):
    model, inputs, expected = model_and_record
    other = in_other_layout(model, inputs, expected)

    def recorded_on_the_other_side(tensors, metadata):
        for name in expected:
            del tensors[name]
        tensors.update(other)
        return {**metadata, "outputs": sorted(name.removeprefix("outputs.") for name in other)}

    rewrite_record(release, recorded_on_the_other_side)
    code, out, _ = run_verify(capsys, release)
    assert code == 0 and out.count("\n") == 1, out
    # Compared: the outputs of the side before the rename. Not compared: the other outputs of `image_outputs`.
    older = next(outputs for outputs in (expected, other) if "outputs.image_hidden_states" in outputs)
    came = [name for name in expected | other if name.startswith("outputs.image_outputs.") and "pooler" not in name]
    assert f", {len(older)} outputs within atol 1e-05 rtol 0.0001 (largest difference " in out, out
    assert f"; {RENAMED}, {len(came)} outputs that came with it not compared)" in out, out
