"""TRL's SFTTrainer fine-tunes the causal LM loaded with `trust_remote_code=True` with a LoRA adapter (the family's
target modules, as the model card shows them), offline on the CPU: the loss is finite, and the saved adapter loads onto
the base model again with the outputs the trainer's model computes."""

import math

import pytest
import torch
import transformers

from {{ cookiecutter.model_name }}.family import LORA_OPTIONS, LORA_TARGET_MODULES

from ..common import save_checkpoint, tiny_config
from ..contract import example_inputs

trl = pytest.importorskip("trl", reason="trl is an optional test extra: pip install -e '.[test]'")
datasets = pytest.importorskip("datasets", reason="datasets is an optional test extra: pip install -e '.[test]'")
peft = pytest.importorskip("peft", reason="peft is an optional test extra: pip install -e '.[test]'")

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello world, this is a short line of text.",
    "A third sentence to learn from.",
    "And a fourth one, to make two batches.",
]


def test_sft_trainer_with_lora_trains_and_the_adapter_saves_and_reloads(tmp_path):
    _, tokenizer = save_checkpoint(tmp_path / "base", seed=0)
    model = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "base", trust_remote_code=True)
    assert type(model).__module__.startswith("transformers_modules.")
    arguments = trl.SFTConfig(
        output_dir=str(tmp_path / "output"),
        max_steps=3,
        per_device_train_batch_size=2,
        learning_rate=1e-2,
        logging_steps=1,
        max_length=32,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
    )
    peft_config = peft.LoraConfig(
        **LORA_OPTIONS["AutoModelForCausalLM"], r=8, lora_alpha=16, target_modules=LORA_TARGET_MODULES
    )
    trainer = trl.SFTTrainer(
        model=model,
        args=arguments,
        train_dataset=datasets.Dataset.from_dict({"text": TEXTS}),
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses), losses

    trainer.save_model(str(tmp_path / "adapter"))
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    inputs = example_inputs(tiny_config())
    # The trained model without the bf16 autocast that SFTConfig trains with by default (bf16=True).
    trained = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False).eval()
    base = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "base", trust_remote_code=True)
    reloaded = peft.PeftModel.from_pretrained(base, tmp_path / "adapter").eval()
    with torch.no_grad():
        expected = trained(**inputs).logits
        torch.testing.assert_close(reloaded(**inputs).logits, expected)
        with trained.disable_adapter():
            assert not torch.allclose(trained(**inputs).logits, expected, atol=1e-5), "the adapter changed nothing"
