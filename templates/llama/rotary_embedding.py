{%- set prefix = prefix | default(cookiecutter.class_prefix) -%}
{%- set config_class = config_class | default(prefix ~ "Config") -%}
class {{ prefix }}RotaryEmbedding(nn.Module):
    """Rotary position embeddings (RoPE), as `LlamaRotaryEmbedding`.

    The scaled types (`config.rope_parameters["rope_type"]`: linear, dynamic, yarn, llama3, longrope) are computed by
    transformers' own `ROPE_INIT_FUNCTIONS`; `dynamic_rope_update` recomputes the frequencies of the dynamic and
    longrope types when a sequence grows past the original context.
    """

    def __init__(self, config: {{ config_class }}, device: torch.device | None = None) -> None:
        super().__init__()
        self.max_seq_len_cached = config.max_position_embeddings
        self.original_max_seq_len = config.max_position_embeddings
        self.config = config
        self.rope_type = config.rope_parameters["rope_type"]
        inv_freq, self.attention_scaling = self.rope_init_fn(config, device)
        # Not saved in checkpoints: `_init_weights` re-creates them after `from_pretrained`.
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.register_buffer("original_inv_freq", inv_freq.clone(), persistent=False)

    @property
    def rope_init_fn(self) -> Callable[..., tuple[torch.Tensor, float]]:
        if self.rope_type == "default":
            return self.compute_default_rope_parameters
        return ROPE_INIT_FUNCTIONS[self.rope_type]

    @staticmethod
    def compute_default_rope_parameters(
        config: {{ config_class }}, device: torch.device | None = None, seq_len: int | None = None
    ) -> tuple[torch.Tensor, float]:
        """Inverse frequencies of the original RoPE, and the cos/sin scaling (1.0: unused by this type)."""
        base = config.rope_parameters["rope_theta"]
        dim = config.head_dim
        exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim
        return 1.0 / (base**exponents), 1.0

    @torch.no_grad()
    @dynamic_rope_update  # recomputes `inv_freq` for the dynamic and longrope types
    def forward(self, hidden_states: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inv_freq = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        positions = position_ids[:, None, :].float()
        device_type = hidden_states.device.type if hidden_states.device.type != "mps" else "cpu"
        with torch.autocast(device_type=device_type, enabled=False):  # compute the angles in float32
            freqs = (inv_freq.to(hidden_states.device) @ positions).transpose(1, 2)
            emb = torch.cat((freqs, freqs), dim=-1)
            cos = emb.cos() * self.attention_scaling
            sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=hidden_states.dtype), sin.to(dtype=hidden_states.dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


@use_kernel_forward_from_hub("rotary_pos_emb")
def apply_rotary_pos_emb(
    query: torch.Tensor, key: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate queries and keys of shape (batch, heads, seq, head_dim) by the position angles."""
    cos = cos.unsqueeze(1)
    sin = sin.unsqueeze(1)
    return (query * cos) + (rotate_half(query) * sin), (key * cos) + (rotate_half(key) * sin)
{#- Llama's rotary position embeddings with every RoPE type of `ROPE_INIT_FUNCTIONS`. Needs Callable, torch, nn,
ROPE_INIT_FUNCTIONS, dynamic_rope_update and use_kernel_forward_from_hub; defines <prefix>RotaryEmbedding, rotate_half
and apply_rotary_pos_emb (which the attention block uses). -#}
