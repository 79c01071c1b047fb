"""Checkpoint folders laid out as the best-known Hub repos serve them, with tiny random weights: the inputs users bring
to the conversion scripts (`hf download <repo id> --local-dir <folder>`). `LAYOUTS` maps each repo id to its builder,
`builder(folder) -> folder`.

Each builder writes the files the repo holds, named as there, and leaves out those it does not hold (a repo without
`generation_config.json`, a sentence-transformers module without a folder). Contents are shaped as there: the JSON
keys, formats and legacy keys of the release that wrote them, with the sizes, vocabularies and token ids made tiny
(the special tokens keep their places: first in SentencePiece and WordPiece vocabularies, last in Llama 3's). The
weights come from transformers' own classes, with random values, stored as the repo stores them: in its dtype, sharded
with an index (`model-0000i-of-0000n.safetensors`, `metadata.total_size` only) where the repo is, under the names it
uses. Files that only other libraries read (`pytorch_model*.bin`, `consolidated.*.pt`, `original/`, scripts) are
there where a conversion must leave them alone, holding placeholder bytes; README files, licences, `tf_model.h5`,
`onnx/` and the like are left out. The repos' files could not be fetched where these were written (no network): what
is not certain is marked "Not checked against the Hub" where it is.
"""

from __future__ import annotations

import base64
import json
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import transformers
from safetensors.torch import load_file, save_file
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

# The sizes of every tiny model here.
TINY = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
# Placeholder content of files that no conversion may read (pickles, scripts): never loaded, never run.
PLACEHOLDER = b"placeholder: a conversion must neither load nor run this file\n"


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# -- weights ----------------------------------------------------------------------------------------------------------


@torch.no_grad()
def native_model(folder: Path, architecture: str | None = None) -> transformers.PreTrainedModel:
    """The transformers model that `folder/config.json` describes (its first architecture unless `architecture`),
    with random weights: transformers' initialisation, then noise on every parameter, so that no norm weight is left
    at one and no bias at zero (a conversion that drops or swaps one shows)."""
    config = transformers.AutoConfig.from_pretrained(folder)
    torch.manual_seed(0)
    model = getattr(transformers, architecture or config.architectures[0])(config)
    generator = torch.Generator().manual_seed(0)
    for parameter in model.parameters():
        parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.02)
    return model.eval()


def save_weights(
    model: transformers.PreTrainedModel,
    folder: Path,
    dtype: torch.dtype,
    shards: int = 1,
    rename: Callable[[str], str] = str,
    extra: dict[str, torch.Tensor] | None = None,
) -> None:
    """`model`'s weights in `dtype`, under the names `save_pretrained` gives them (then `rename`d, with `extra`
    tensors), as the Hub stores them: one `model.safetensors`, or `shards` files with an index."""
    with tempfile.TemporaryDirectory() as staging:
        model.to(dtype).save_pretrained(staging)
        saved = load_file(Path(staging) / "model.safetensors")
    tensors = {rename(name): tensor for name, tensor in saved.items()} | (extra or {})
    if shards == 1:
        save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
        return
    names = sorted(tensors)
    total = sum(tensor.numel() * tensor.element_size() for tensor in tensors.values())
    weight_map, shard, filled = {}, 1, 0
    for name in names:  # contiguous runs of names, about `total / shards` bytes each
        if filled >= shard * total / shards and shard < shards:
            shard += 1
        weight_map[name] = f"model-{shard:05d}-of-{shards:05d}.safetensors"
        filled += tensors[name].numel() * tensors[name].element_size()
    for file in sorted(set(weight_map.values())):
        part = {name: tensors[name].contiguous() for name in names if weight_map[name] == file}
        save_file(part, folder / file, metadata={"format": "pt"})
    write_json(folder / "model.safetensors.index.json", {"metadata": {"total_size": total}, "weight_map": weight_map})


# -- tokenizers -------------------------------------------------------------------------------------------------------

# A SentencePiece BPE vocabulary as Llama 2's (also Mistral's, Mixtral's and Vicuna's, LLaVA 1.5's language model):
# <unk> <s> </s>, the 256 byte-fallback pieces <0x00>..<0xFF>, then the pieces, "▁" standing for a space.
SENTENCEPIECE_SPECIAL = ("<unk>", "<s>", "</s>")
SENTENCEPIECE_PIECES = ("▁", *"abcdefghijklmnopqrstuvwxyz", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ", *"0123456789.,?!'")
SENTENCEPIECE_MERGES = [
    ("▁", "t"), ("h", "e"), ("▁t", "he"), ("i", "n"), ("▁", "a"), ("▁", "w"), ("a", "t"),
    ("o", "n"), ("e", "r"), ("▁", "c"), ("▁c", "at"), ("i", "s"), ("▁", "is"),
]  # fmt: skip
# Llama 3's pre-tokenizer pattern, its special tokens (ids 128000 to 128009, here right after the tiny vocabulary), and
# the merges of its tiny byte-level vocabulary ("Ġ" standing for a space).
LLAMA_3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA_3_SPECIAL = (
    "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|eom_id|>", "<|eot_id|>",
)  # fmt: skip
BYTE_LEVEL_MERGES = [
    ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("Ġ", "c"), ("a", "t"), ("Ġc", "at"),
    ("i", "s"), ("Ġ", "is"),
]  # fmt: skip
# A WordPiece vocabulary as BERT's uncased one: [PAD], unused slots, [UNK] [CLS] [SEP] [MASK], characters, the
# "##" continuations, whole words.
WORDPIECE_SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
WORDPIECE_VOCAB = (
    "[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    *"!\"'(),-.:;?", *"0123456789", *"abcdefghijklmnopqrstuvwxyz",
    *(f"##{char}" for char in "abcdefghijklmnopqrstuvwxyz"),
    "the", "a", "is", "of", "cat", "dog", "capital", "france", "paris", "hello", "world", "longer", "sentence",
    "weather", "sun", "##ny", "##s", "##ing", "##ed",
)  # fmt: skip
# Texts that every tokenizer here splits into known pieces, unknown ones and bytes.
TEXTS = ["The capital of France is Paris.", "Hello world! A cat is sunny, ça va?"]
# sentencepiece_model.proto's piece types.
NORMAL, UNKNOWN, CONTROL, BYTE = 1, 2, 3, 6


def sentencepiece_vocab() -> dict[str, int]:
    pieces = [*SENTENCEPIECE_SPECIAL, *(f"<0x{byte:02X}>" for byte in range(256)), *SENTENCEPIECE_PIECES]
    pieces += [left + right for left, right in SENTENCEPIECE_MERGES]
    return {piece: index for index, piece in enumerate(pieces)}


def sentencepiece_tokenizer(added: tuple[str, ...] = ()) -> Tokenizer:
    """Llama 2's `tokenizer.json`: SentencePiece BPE with byte fallback, as transformers converts it; `added` special
    tokens after the vocabulary (LLaVA's `<image>` and `<pad>`)."""
    model = models.BPE(
        vocab=sentencepiece_vocab(), merges=SENTENCEPIECE_MERGES, unk_token="<unk>", fuse_unk=True, byte_fallback=True
    )
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tokenizer.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s>:1 $B:1", special_tokens=[("<s>", 1)]
    )
    special = [*SENTENCEPIECE_SPECIAL, *added]
    tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True) for token in special])
    return tokenizer


def protobuf_field(number: int, value: int | float | str | bytes) -> bytes:
    """One protobuf field: varint for ints and bools (negative ones in ten bytes), 32-bit for floats, length-delimited
    for strings, bytes and embedded messages."""

    def varint(value: int) -> bytes:
        value &= (1 << 64) - 1
        out = bytearray()
        while value > 0x7F:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        return bytes([*out, value])

    if isinstance(value, int):
        return varint(number << 3) + varint(int(value))
    if isinstance(value, float):
        return varint(number << 3 | 5) + struct.pack("<f", value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def sentencepiece_model() -> bytes:
    """Llama 2's `tokenizer.model`: a SentencePiece `ModelProto` of the same vocabulary (each piece's type and score,
    a BPE trainer spec with byte fallback and ids unk 0, bos 1, eos 2, no pad; the identity normalizer with a dummy
    prefix). transformers reads `tokenizer.json` when there is one; this file is what sentencepiece itself loads."""
    pieces = b""
    for piece, index in sentencepiece_vocab().items():
        kind = {"<unk>": UNKNOWN, "<s>": CONTROL, "</s>": CONTROL}.get(
            piece, BYTE if piece.startswith("<0x") else NORMAL
        )
        score = 0.0 if kind != NORMAL else float(-index)
        pieces += protobuf_field(1, protobuf_field(1, piece) + protobuf_field(2, score) + protobuf_field(3, kind))
    trainer = b"".join(
        protobuf_field(number, value)
        for number, value in ((3, 2), (4, len(sentencepiece_vocab())), (35, True), (40, 0), (41, 1), (42, 2), (43, -1))
    )
    normalizer = protobuf_field(1, "identity") + protobuf_field(3, True) + protobuf_field(4, False)
    return pieces + protobuf_field(2, trainer) + protobuf_field(3, normalizer + protobuf_field(5, True))


def added_token(content: str) -> dict[str, Any]:
    """A special token as `tokenizer_config.json`'s `added_tokens_decoder` and `special_tokens_map.json` write it."""
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}


def llama_2_tokenizer(folder: Path, added: tuple[str, ...] = (), older: bool = True, **settings: Any) -> None:
    """The tokenizer files of meta-llama/Llama-2-7b-hf (and of the repos converted like it: Mixtral, LLaVA 1.5):
    `tokenizer.json`, `tokenizer.model`, `special_tokens_map.json` and `tokenizer_config.json`, the last with its
    special tokens as transformers 4.31 wrote them (`{"__type": "AddedToken", ...}`) if `older`, else as 4.34 and later
    (`added_tokens_decoder`, names only); `added` special tokens after the vocabulary, `settings` over the config's."""
    tokenizer = sentencepiece_tokenizer(added)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer.model").write_bytes(sentencepiece_model())
    tokens = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    if older:
        special: dict[str, Any] = {
            name: {"__type": "AddedToken", **added_token(token)} for name, token in tokens.items()
        }
    else:
        vocab = tokenizer.get_vocab()
        decoder = {
            str(vocab[token]): {**added_token(token), "special": True} for token in (*SENTENCEPIECE_SPECIAL, *added)
        }
        special = {"added_tokens_decoder": decoder, **tokens}
    config = {
        "add_bos_token": True,
        "add_eos_token": False,
        **special,
        "clean_up_tokenization_spaces": False,
        "legacy": False,
        "model_max_length": 1000000000000000019884624838656,
        "pad_token": None,
        "padding_side": "right",
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
    }
    write_json(folder / "tokenizer_config.json", dict(sorted({**config, **settings}.items())))
    write_json(folder / "special_tokens_map.json", {name: added_token(token) for name, token in tokens.items()})


def byte_characters() -> dict[str, int]:
    """The character that stands for each byte in a byte-level BPE, in GPT-2's `bytes_to_unicode` order (Llama 3's
    first ids): printable bytes stand for themselves, the others for characters from U+0100 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [byte for byte in range(256) if byte not in printable]
    characters = {chr(byte): byte for byte in printable}
    return characters | {chr(256 + index): byte for index, byte in enumerate(shifted)}


def byte_level_vocab() -> dict[str, int]:
    """The 256 byte characters of a byte-level BPE, then the merged pieces."""
    pieces = [*byte_characters(), *(left + right for left, right in BYTE_LEVEL_MERGES)]
    return {piece: index for index, piece in enumerate(pieces)}


def llama_3_tokenizer(folder: Path, chat_template: str) -> dict[str, int]:
    """The tokenizer files of meta-llama/Llama-3.1-8B-Instruct: `tokenizer.json` (byte-level BPE, Llama 3's split
    pattern, `<|begin_of_text|>` before each text), `tokenizer_config.json` (`PreTrainedTokenizerFast`, the special
    tokens in `added_tokens_decoder`, the chat template) and `special_tokens_map.json`; no `tokenizer.model` beside
    them (Meta's tiktoken file is in `original/`). Returns the special tokens' ids."""
    vocab = byte_level_vocab()
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=BYTE_LEVEL_MERGES, ignore_merges=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA_3_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    special = {token: len(vocab) + index for index, token in enumerate(LLAMA_3_SPECIAL)}
    begin = ("<|begin_of_text|>", special["<|begin_of_text|>"])
    tokenizer.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single="<|begin_of_text|> $A",
                pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
                special_tokens=[begin],
            ),
        ]
    )
    tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True) for token in LLAMA_3_SPECIAL])
    tokenizer.save(str(folder / "tokenizer.json"))
    write_json(
        folder / "tokenizer_config.json",
        {
            "added_tokens_decoder": {
                str(index): {**added_token(token), "special": True} for token, index in special.items()
            },
            "bos_token": "<|begin_of_text|>",
            "chat_template": chat_template,
            "clean_up_tokenization_spaces": True,
            "eos_token": "<|eot_id|>",
            "model_input_names": ["input_ids", "attention_mask"],
            "model_max_length": 131072,
            "tokenizer_class": "PreTrainedTokenizerFast",
        },
    )
    write_json(
        folder / "special_tokens_map.json",
        {"bos_token": added_token("<|begin_of_text|>"), "eos_token": added_token("<|eot_id|>")},
    )
    # Meta's own files, which transformers does not read: the tiktoken ranks (base64 bytes, rank) and the weights.
    (folder / "original").mkdir()
    characters = byte_characters()
    ranks = [
        f"{base64.b64encode(bytes(characters[char] for char in token)).decode()} {rank}"
        for token, rank in vocab.items()
    ]
    (folder / "original" / "tokenizer.model").write_text("\n".join(ranks) + "\n")
    (folder / "original" / "consolidated.00.pth").write_bytes(PLACEHOLDER)
    return special


def bert_tokenizer(folder: Path, config: dict[str, Any], special_tokens_map: bool) -> None:
    """A BERT tokenizer as bert-base-uncased's repo holds it: `vocab.txt`, `tokenizer.json` (WordPiece, BERT's
    lower-casing normalizer and pre-tokenizer, `[CLS] A [SEP]`), `tokenizer_config.json` as `config`, and
    `special_tokens_map.json` if `special_tokens_map` (sentence-transformers' repos hold one, bert-base-uncased's
    does not)."""
    vocab = {token: index for index, token in enumerate(WORDPIECE_VOCAB)}
    (folder / "vocab.txt").write_text("".join(f"{token}\n" for token in WORDPIECE_VOCAB), encoding="utf-8")
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True) for token in WORDPIECE_SPECIAL])
    tokenizer.save(str(folder / "tokenizer.json"))
    write_json(folder / "tokenizer_config.json", config)
    if special_tokens_map:
        names = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
        tokens = ("[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]")
        write_json(folder / "special_tokens_map.json", dict(zip(names, tokens, strict=True)))


def tokenized(folder: Path, remote_code: bool = False, **options: Any) -> dict[str, torch.Tensor]:
    """`TEXTS` as the tokenizer saved in `folder` encodes them, padded (with the eos token where the tokenizer has no
    pad token, as Llama's); `options` are the tokenizer's (`padding_side`)."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, trust_remote_code=remote_code, **options)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    return dict(tokenizer(TEXTS, padding=True, return_tensors="pt"))


def same_inputs(source: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
    """`source`, the inputs the source's processor made, once checked equal to `converted`'s, bit for bit."""
    assert source.keys() == converted.keys(), f"{sorted(converted)}, where the source's gives {sorted(source)}"
    for name, value in source.items():
        torch.testing.assert_close(converted[name], value, rtol=0, atol=0, msg=f"{name} differ")
    return source


# -- chat templates ---------------------------------------------------------------------------------------------------

{% raw -%}
# Llama 3 Instruct's (Llama 3.1's adds tool use and dates around the same turns).
LLAMA_3_CHAT_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 "
    "%}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
# llava-hf's LLaVA 1.5 template (`chat_template.json`): "USER: <image>\n<text> ASSISTANT:".
LLAVA_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}"
    "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}{% for content in "
    "message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}{% endfor %}{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{% generation %}"
    "{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)
{%- endraw %}


# -- text: Llama, Mixtral ---------------------------------------------------------------------------------------------


def pickle_shards(folder: Path, names: list[str], index: str | None = None) -> None:
    """Pickle files beside the safetensors ones (placeholders: a conversion never loads them), with their index."""
    for name in names:
        (folder / name).write_bytes(PLACEHOLDER)
    if index is not None:
        write_json(folder / index, {"metadata": {"total_size": 0}, "weight_map": {"lm_head.weight": names[-1]}})


def llama_2_7b_hf(folder: Path) -> Path:
    """meta-llama/Llama-2-7b-hf, as transformers 4.31 converted it: config.json with `torch_dtype` float16,
    `rope_scaling` null and no `rope_theta` (Llama's default, 10000) nor `head_dim`; generation_config.json (sampling
    settings, pad id 0); float16 weights in two shards with an index, beside the same in pickle shards with their
    index; the tokenizer files of `llama_2_tokenizer`. Not checked against the Hub: generation_config.json's exact
    keys."""
    folder.mkdir(parents=True)
    config = {
        "_name_or_path": "meta-llama/Llama-2-7b-hf",
        "architectures": ["LlamaForCausalLM"],
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        **TINY,
        "initializer_range": 0.02,
        "max_position_embeddings": 4096,
        "model_type": "llama",
        "num_key_value_heads": 4,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "tie_word_embeddings": False,
        "torch_dtype": "float16",
        "transformers_version": "4.31.0.dev0",
        "use_cache": True,
        "vocab_size": len(sentencepiece_vocab()),
    }
    write_json(folder / "config.json", dict(sorted(config.items())))
    generation = {"do_sample": True, "max_length": 4096, "pad_token_id": 0, "temperature": 0.6, "top_p": 0.9}
    write_json(folder / "generation_config.json", {"bos_token_id": 1, "eos_token_id": 2, **generation})
    llama_2_tokenizer(folder)
    save_weights(native_model(folder), folder, torch.float16, shards=2)
    pickles = [f"pytorch_model-0000{shard}-of-00002.bin" for shard in (1, 2)]
    pickle_shards(folder, pickles, "pytorch_model.bin.index.json")
    return folder


def llama_3_1_8b_instruct(folder: Path) -> Path:
    """meta-llama/Llama-3.1-8B-Instruct, as transformers 4.43 saved it: config.json with `torch_dtype` bfloat16, the
    legacy `rope_scaling` of type llama3 beside `rope_theta`, three eos ids; generation_config.json; bfloat16 weights
    in four shards with an index; `llama_3_tokenizer`'s files (tokenizer.json, no tokenizer.model), and Meta's own
    files in `original/`."""
    folder.mkdir(parents=True)
    special = llama_3_tokenizer(folder, LLAMA_3_CHAT_TEMPLATE)
    eos = [special[token] for token in ("<|end_of_text|>", "<|eom_id|>", "<|eot_id|>")]
    begin = special["<|begin_of_text|>"]
    rope_scaling = {
        "factor": 8.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    }
    config = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": begin,
        "eos_token_id": eos,
        "hidden_act": "silu",
        **TINY,
        "initializer_range": 0.02,
        "max_position_embeddings": 131072,
        "mlp_bias": False,
        "model_type": "llama",
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": rope_scaling,
        "rope_theta": 500000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.43.0.dev0",
        "use_cache": True,
        "vocab_size": begin + 16,  # 128000 + 256 reserved ids, scaled down
    }
    write_json(folder / "config.json", dict(sorted(config.items())))
    generation = {"do_sample": True, "temperature": 0.6, "top_p": 0.9, "transformers_version": "4.42.3"}
    write_json(folder / "generation_config.json", {"bos_token_id": begin, "eos_token_id": eos, **generation})
    params = {"dim": 32, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "vocab_size": begin + 16, "norm_eps": 1e-05}
    write_json(folder / "original" / "params.json", {**params, "rope_theta": 500000.0, "use_scaled_rope": True})
    save_weights(native_model(folder), folder, torch.bfloat16, shards=4)
    return folder


def without(layout: Callable[[Path], Path], *names: str) -> Callable[[Path], Path]:
    """`layout` without the files `names` (a repo saved before transformers wrote them, e.g. generation_config.json,
    which transformers writes since 4.26)."""

    def build(folder: Path) -> Path:
        layout(folder)
        for name in names:
            (folder / name).unlink()
        return folder

    return build


def mixtral_8x7b_v0_1(folder: Path) -> Path:
    """mistralai/Mixtral-8x7B-v0.1, as transformers 4.36 converted it: config.json with `torch_dtype` bfloat16, the
    legacy `rope_theta` (no `rope_parameters`), `sliding_window` null, the routing settings; generation_config.json;
    bfloat16 weights in shards with an index, each expert's projections stored one by one
    (`block_sparse_moe.experts.<e>.w1` / `w2` / `w3`, which transformers fuses when it loads them) and the router as
    `block_sparse_moe.gate`, beside Mistral's own pickle files (`consolidated.0<i>.pt`); Llama 2's tokenizer files
    with a tokenizer_config.json of transformers 4.36 (`added_tokens_decoder`, `legacy` true)."""
    folder.mkdir(parents=True)
    config = {
        "architectures": ["MixtralForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        **TINY,
        "initializer_range": 0.02,
        "max_position_embeddings": 32768,
        "model_type": "mixtral",
        "num_experts_per_tok": 2,
        "num_key_value_heads": 2,
        "num_local_experts": 4,
        "output_router_logits": False,
        "rms_norm_eps": 1e-05,
        "rope_theta": 1000000.0,
        "router_aux_loss_coef": 0.02,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.36.0.dev0",
        "use_cache": True,
        "vocab_size": len(sentencepiece_vocab()),
    }
    write_json(folder / "config.json", config)
    generation = {"_from_model_config": True, "bos_token_id": 1, "eos_token_id": 2}
    write_json(folder / "generation_config.json", {**generation, "transformers_version": "4.36.0.dev0"})
    llama_2_tokenizer(
        folder, older=False, legacy=True, additional_special_tokens=[], spaces_between_special_tokens=False
    )
    save_weights(native_model(folder), folder, torch.bfloat16, shards=3)
    pickle_shards(folder, ["consolidated.00.pt", "consolidated.01.pt"])
    return folder


# -- BERT and sentence-transformers -----------------------------------------------------------------------------------


def bert_config(name: str, architecture: str, version: str, **settings: Any) -> dict[str, Any]:
    """A BERT config.json as the Hub's BERT repos hold it (transformers 4.x keys), tiny."""
    config = {
        "_name_or_path": name,
        "architectures": [architecture],
        "attention_probs_dropout_prob": 0.1,
        "gradient_checkpointing": False,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        **TINY,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "transformers_version": version,
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": len(WORDPIECE_VOCAB),
        **settings,
    }
    return dict(sorted(config.items()))


def tensorflow_layer_norm_names(name: str) -> str:
    """BERT's LayerNorm weights under the names of the original TensorFlow checkpoints."""
    return name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")


def bert_base_uncased(folder: Path) -> Path:
    """google-bert/bert-base-uncased: config.json for `BertForMaskedLM` (transformers 4.6); one model.safetensors
    holding the whole pre-training checkpoint (`BertForPreTraining`: the pooler and the next-sentence head
    `cls.seq_relationship` beside the masked-LM head, which `BertForMaskedLM` drops when it loads them) under the
    TensorFlow LayerNorm names (`gamma`, `beta`); vocab.txt, tokenizer.json and a tokenizer_config.json of two keys (no
    `tokenizer_class`), no special_tokens_map.json. Not checked against the Hub: that model.safetensors keeps the
    `gamma`/`beta` names of the repo's pytorch_model.bin, and which of the tied decoder weight's names it keeps (here
    the embeddings')."""
    folder.mkdir(parents=True)
    write_json(folder / "config.json", bert_config("bert-base-uncased", "BertForMaskedLM", "4.6.0.dev0"))
    bert_tokenizer(folder, {"do_lower_case": True, "model_max_length": 512}, special_tokens_map=False)
    model = native_model(folder, "BertForPreTraining")
    save_weights(model, folder, torch.float32, rename=tensorflow_layer_norm_names)
    return folder


# sentence-transformers' module classes as `modules.json` names them (releases before 3.0 wrote these paths too).
ST_TRANSFORMER = "sentence_transformers.models.Transformer"
ST_POOLING = "sentence_transformers.models.Pooling"
ST_NORMALIZE = "sentence_transformers.models.Normalize"


def sentence_transformers_modules(*modules: tuple[str, str]) -> list[dict[str, Any]]:
    """`modules.json`: (folder, class) of each module, the Transformer first (in the folder itself: "")."""
    return [
        {"idx": index, "name": str(index), "path": path, "type": kind} for index, (path, kind) in enumerate(modules)
    ]


def pooling_config(mode: str, newer: bool) -> dict[str, Any]:
    """`1_Pooling/config.json` as sentence-transformers 2.x wrote it: one flag per mode (`newer`: 2.2's two more)."""
    modes = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens"]
    modes += ["weightedmean_tokens", "lasttoken"] if newer else []
    return {"word_embedding_dimension": TINY["hidden_size"]} | {f"pooling_mode_{name}": name == mode for name in modes}


def sentence_transformers_repo(
    folder: Path, config: dict[str, Any], pooling: str, settings: dict[str, Any], versions: dict[str, str]
) -> None:
    """A sentence-transformers repo around a BERT, as sentence-transformers 2.x wrote them: the BERT at the top of the
    folder (`BertModel`, no prefix: config.json as `config`, model.safetensors with the `embeddings.position_ids`
    buffer that transformers before 4.31 saved, the tokenizer files with special_tokens_map.json), `1_Pooling/` in
    `pooling` mode (the two later flags from 2.2 on), and `2_Normalize` named in modules.json with no folder (Normalize
    saved no files); sentence_bert_config.json as `settings`, config_sentence_transformers.json with the `versions`
    only."""
    folder.mkdir(parents=True)
    write_json(folder / "config.json", config)
    tokenizer = {
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "do_basic_tokenize": True,
        "do_lower_case": True,
        "mask_token": "[MASK]",
        "model_max_length": 512,
        "never_split": None,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]",
    }
    bert_tokenizer(folder, tokenizer, special_tokens_map=True)
    buffers = {"embeddings.position_ids": torch.arange(512).unsqueeze(0)}
    save_weights(native_model(folder), folder, torch.float32, extra=buffers)
    modules = [("", ST_TRANSFORMER), ("1_Pooling", ST_POOLING), ("2_Normalize", ST_NORMALIZE)]
    write_json(folder / "modules.json", sentence_transformers_modules(*modules))
    newer = versions["sentence_transformers"] >= "2.2"
    write_json(folder / "1_Pooling" / "config.json", pooling_config(pooling, newer))
    write_json(folder / "sentence_bert_config.json", settings)
    write_json(folder / "config_sentence_transformers.json", {"__version__": versions})


def all_minilm_l6_v2(folder: Path) -> Path:
    """sentence-transformers/all-MiniLM-L6-v2 (sentence-transformers 2.0, transformers 4.8): mean pooling, no
    `2_Normalize` folder, and beside them data_config.json and the training script, which no conversion may run. Not
    checked against the Hub: tokenizer_config.json's exact keys."""
    config = bert_config("nreimers/MiniLM-L6-H384-uncased", "BertModel", "4.8.2")
    versions = {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"}
    settings = {"max_seq_length": 256, "do_lower_case": False}
    sentence_transformers_repo(folder, config, "mean_tokens", settings, versions)
    write_json(folder / "data_config.json", [{"name": "stackexchange_title_body", "lines": 364001, "weight": 17}])
    (folder / "train_script.py").write_bytes(PLACEHOLDER)
    return folder


def bge_small_en_v1_5(folder: Path) -> Path:
    """BAAI/bge-small-en-v1.5 (sentence-transformers 2.2.2, transformers 4.30): config.json with a `torch_dtype` and a
    default label, CLS pooling, no `2_Normalize` folder, lower-casing in sentence_bert_config.json. Not checked against
    the Hub: that its modules.json names the Normalize module (its model card normalizes the embeddings)."""
    labels = {"id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}, "torch_dtype": "float32"}
    config = bert_config("BAAI/bge-small-en-v1.5", "BertModel", "4.30.0", **labels)
    versions = {"sentence_transformers": "2.2.2", "transformers": "4.28.1", "pytorch": "1.13.0+cu117"}
    settings = {"max_seq_length": 512, "do_lower_case": True}
    sentence_transformers_repo(folder, config, "cls_token", settings, versions)
    return folder


# -- images: ViT, CLIP ------------------------------------------------------------------------------------------------

# The image statistics of CLIP (OpenAI's), and ViT's.
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
VIT_MEAN = VIT_STD = [0.5, 0.5, 0.5]
# The first ImageNet labels of google/vit-base-patch16-224's config.json (which has all 1000).
IMAGENET_LABELS = ["tench, Tinca tinca", "goldfish, Carassius auratus", "great white shark, white shark, man-eater"]


def vit_preprocessor_config(size: int, older: bool) -> dict[str, Any]:
    """A ViT `preprocessor_config.json`: as google/vit-base-patch16-224 holds it if `older` (transformers 4.13's
    `ViTFeatureExtractor`: an int size, no rescale settings), else as transformers 4.26 and later write it
    (`ViTImageProcessor`, size as height and width, the rescale factor)."""
    settings = {"do_normalize": True, "do_resize": True, "image_mean": VIT_MEAN, "image_std": VIT_STD, "resample": 2}
    if older:
        return settings | {"feature_extractor_type": "ViTFeatureExtractor", "size": size}
    current = {"do_rescale": True, "image_processor_type": "ViTImageProcessor", "rescale_factor": 0.00392156862745098}
    return dict(sorted((settings | current | {"size": {"height": size, "width": size}}).items()))


def clip_preprocessor_config(size: int, older: bool, processor_class: str | None = None) -> dict[str, Any]:
    """A CLIP `preprocessor_config.json`: shortest-edge resize (bicubic), center crop, rescale, CLIP's mean and std,
    RGB conversion. As llava-hf's repos hold it (`CLIPImageProcessor`, sizes as dicts) unless `older`: then as
    openai/clip-vit-large-patch14-336 holds it (`CLIPFeatureExtractor`, int sizes, no rescale or RGB settings)."""
    settings = {
        "do_center_crop": True,
        "do_normalize": True,
        "do_resize": True,
        "image_mean": CLIP_MEAN,
        "image_std": CLIP_STD,
        "resample": 3,
    }
    if older:
        older_settings = {"crop_size": size, "feature_extractor_type": "CLIPFeatureExtractor", "size": size}
        return dict(sorted((settings | older_settings).items()))
    current = {
        "crop_size": {"height": size, "width": size},
        "do_convert_rgb": True,
        "do_rescale": True,
        "image_processor_type": "CLIPImageProcessor",
        "rescale_factor": 0.00392156862745098,
        "size": {"shortest_edge": size},
    }
    current |= {"processor_class": processor_class} if processor_class else {}
    return dict(sorted((settings | current).items()))


def native_image_processor(folder: Path) -> Any:
    """transformers' own PIL/NumPy image processor for `folder`'s preprocessor_config.json (what AutoImageProcessor
    loads where torchvision is not installed), loaded from the folder."""
    settings = read_json(folder / "preprocessor_config.json")
    kind = settings.get("image_processor_type") or settings["feature_extractor_type"]
    kind = kind.replace("FeatureExtractor", "ImageProcessor")
    return (getattr(transformers, f"{kind}Pil", None) or getattr(transformers, kind)).from_pretrained(folder)


def vit_config(version: str, image_size: int, patch_size: int) -> dict[str, Any]:
    """google/vit-base-patch16-224's config.json, tiny."""
    labels = dict(enumerate(IMAGENET_LABELS))
    config = {
        "architectures": ["ViTForImageClassification"],
        "attention_probs_dropout_prob": 0.0,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        **TINY,
        "id2label": {str(index): label for index, label in labels.items()},
        "image_size": image_size,
        "initializer_range": 0.02,
        "label2id": {label: index for index, label in labels.items()},
        "layer_norm_eps": 1e-12,
        "model_type": "vit",
        "num_channels": 3,
        "patch_size": patch_size,
        "qkv_bias": True,
        "transformers_version": version,
    }
    return dict(sorted(config.items()))


def vit_base_patch16_224(folder: Path) -> Path:
    """google/vit-base-patch16-224 (transformers 4.13): config.json of `ViTForImageClassification` with its ImageNet
    labels, one model.safetensors, preprocessor_config.json in the older format (`ViTFeatureExtractor`)."""
    folder.mkdir(parents=True)
    write_json(folder / "config.json", vit_config("4.13.0.dev0", image_size=32, patch_size=8))
    write_json(folder / "preprocessor_config.json", vit_preprocessor_config(32, older=True))
    save_weights(native_model(folder), folder, torch.float32)
    return folder


def vit_saved_by_transformers_4(folder: Path) -> Path:
    """A ViT saved by transformers 4.26 or later (as the fine-tunes of google/vit-base-patch16-224 on the Hub are):
    `torch_dtype` in config.json, preprocessor_config.json in the current format (`ViTImageProcessor`), weights in
    shards with an index (as save_pretrained writes a model over its shard size)."""
    folder.mkdir(parents=True)
    config = vit_config("4.46.3", image_size=32, patch_size=8) | {"torch_dtype": "float32"}
    write_json(folder / "config.json", dict(sorted(config.items())))
    write_json(folder / "preprocessor_config.json", vit_preprocessor_config(32, older=False))
    save_weights(native_model(folder), folder, torch.float32, shards=2)
    return folder


# -- LLaVA ------------------------------------------------------------------------------------------------------------


def llava_names(name: str) -> str:
    """LLaVA's tensor names as transformers 5 saves them -> as llava-hf's repos store them (the CLIP vision tower
    inside `vision_model.`, as `CLIPVisionModel` names it)."""
    return name.replace("vision_tower.", "vision_tower.vision_model.", 1)


def llava_1_5_7b_hf(folder: Path, older: bool = False) -> Path:
    """llava-hf/llava-1.5-7b-hf: config.json as transformers 4.36 converted it (`image_token_index`, a top-level
    `vocab_size` and `ignore_index`, `torch_dtype` float16 in it and in `text_config`, CLIP's `projection_dim` and
    `vocab_size` in `vision_config`); generation_config.json; float16 weights in three shards with an index, under the
    names LLaVA stores (`language_model.model.`, `language_model.lm_head.`, `vision_tower.vision_model.`,
    `multi_modal_projector.`); Llama 2's tokenizer files with `<image>` and `<pad>` added after the vocabulary (and
    added_tokens.json); a CLIP preprocessor_config.json (shortest-edge resize and center crop), processor_config.json
    (patch size, feature selection, one more token for CLS) and the chat template in chat_template.json.

    With `older`: as such repos were before processor_config.json existed (2024): no processor_config.json, the chat
    template in tokenizer_config.json, and the CLIP settings in the older format of the vision tower's own repo
    (openai/clip-vit-large-patch14-336). Not checked against the Hub: that llava-hf's repos ever held that older
    preprocessor format, and the chat template's exact text."""
    folder.mkdir(parents=True)
    added = ("<image>", "<pad>")
    vocab = sentencepiece_tokenizer(added).get_vocab()
    image, pad = vocab["<image>"], vocab["<pad>"]
    vocab_size = -(-len(vocab) // 64) * 64  # LLaVA 1.5 pads its 32002 tokens to 32064 rows
    image_size, patch_size = 28, 14
    text = {
        "_name_or_path": "lmsys/vicuna-7b-v1.5",
        "architectures": ["LlamaForCausalLM"],
        **TINY,
        "max_position_embeddings": 4096,
        "model_type": "llama",
        "num_key_value_heads": 4,
        "rms_norm_eps": 1e-05,
        "torch_dtype": "float16",
        "vocab_size": vocab_size,
    }
    vision = {
        **TINY,
        "image_size": image_size,
        "model_type": "clip_vision_model",
        "patch_size": patch_size,
        "projection_dim": 16,
        "vocab_size": 32000,
    }
    config = {
        "architectures": ["LlavaForConditionalGeneration"],
        "ignore_index": -100,
        "image_token_index": image,
        "model_type": "llava",
        "pad_token_id": pad,
        "projector_hidden_act": "gelu",
        "text_config": text,
        "tie_word_embeddings": False,
        "torch_dtype": "float16",
        "transformers_version": "4.36.0.dev0",
        "vision_config": vision,
        "vision_feature_layer": -2,
        "vision_feature_select_strategy": "default",
        "vocab_size": vocab_size,
    }
    write_json(folder / "config.json", config)
    generation = {"_from_model_config": True, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": pad}
    write_json(folder / "generation_config.json", {**generation, "transformers_version": "4.36.0.dev0"})
    template = {"chat_template": LLAVA_CHAT_TEMPLATE} if older else {}
    tokenizer = {"pad_token": "<pad>", "padding_side": "left", "processor_class": "LlavaProcessor", **template}
    llama_2_tokenizer(folder, added, older=False, trust_remote_code=False, **tokenizer)
    write_json(folder / "added_tokens.json", {"<image>": image, "<pad>": pad})
    preprocessor = clip_preprocessor_config(image_size, older, processor_class=None if older else "LlavaProcessor")
    write_json(folder / "preprocessor_config.json", preprocessor)
    if not older:
        processor = {
            "image_token": "<image>",
            "num_additional_image_tokens": 1,
            "patch_size": patch_size,
            "processor_class": "LlavaProcessor",
            "vision_feature_select_strategy": "default",
        }
        write_json(folder / "processor_config.json", processor)
        write_json(folder / "chat_template.json", {"chat_template": LLAVA_CHAT_TEMPLATE})
    save_weights(native_model(folder), folder, torch.float16, shards=3, rename=llava_names)
    return folder


def llava_older(folder: Path) -> Path:
    return llava_1_5_7b_hf(folder, older=True)


# Each Hub repo (or repo layout) -> the builder of a folder laid out as it.
LAYOUTS: dict[str, Callable[[Path], Path]] = {
    "meta-llama/Llama-2-7b-hf": llama_2_7b_hf,
    "meta-llama/Llama-3.1-8B-Instruct": llama_3_1_8b_instruct,
    "meta-llama/Llama-3.1-8B-Instruct without generation_config.json": without(
        llama_3_1_8b_instruct, "generation_config.json"
    ),
    "mistralai/Mixtral-8x7B-v0.1": mixtral_8x7b_v0_1,
    "google-bert/bert-base-uncased": bert_base_uncased,
    "sentence-transformers/all-MiniLM-L6-v2": all_minilm_l6_v2,
    "BAAI/bge-small-en-v1.5": bge_small_en_v1_5,
    "google/vit-base-patch16-224": vit_base_patch16_224,
    "ViT saved by transformers 4.26+": vit_saved_by_transformers_4,
    "llava-hf/llava-1.5-7b-hf": llava_1_5_7b_hf,
    "llava-hf/llava-1.5-7b-hf before processor_config.json": llava_older,
}
# Each layout's model type: a fork of that model type converts it too (tests/contract.py of a fork).
LAYOUT_MODEL_TYPES: dict[str, str] = {
    "meta-llama/Llama-2-7b-hf": "llama",
    "meta-llama/Llama-3.1-8B-Instruct": "llama",
    "meta-llama/Llama-3.1-8B-Instruct without generation_config.json": "llama",
    "mistralai/Mixtral-8x7B-v0.1": "mixtral",
    "google-bert/bert-base-uncased": "bert",
    "sentence-transformers/all-MiniLM-L6-v2": "bert",
    "BAAI/bge-small-en-v1.5": "bert",
    "google/vit-base-patch16-224": "vit",
    "ViT saved by transformers 4.26+": "vit",
    "llava-hf/llava-1.5-7b-hf": "llava",
    "llava-hf/llava-1.5-7b-hf before processor_config.json": "llava",
}
