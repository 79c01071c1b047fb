{%- set prefix = prefix | default(cookiecutter.class_prefix) -%}
# The `use_kernel_forward_from_hub` / `use_kernelized_func` marks are Llama's: with the `kernels` package installed,
# `from_pretrained(..., use_kernels=True)` swaps in fused Hub kernels for the marked blocks; otherwise they do nothing.
@use_kernel_forward_from_hub("RMSNorm")
class {{ prefix }}RMSNorm(nn.Module):
    """Root-mean-square layer norm, computed in float32 (as `LlamaRMSNorm`)."""

    def __init__(self, hidden_size: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)

    def extra_repr(self) -> str:
        return f"{tuple(self.weight.shape)}, eps={self.variance_epsilon}"
{#- Llama's RMSNorm. Needs torch, nn and use_kernel_forward_from_hub; defines <prefix>RMSNorm. -#}
