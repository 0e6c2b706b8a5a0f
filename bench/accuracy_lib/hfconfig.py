"""transformers: tiny configs, model construction without weights, and trace inputs."""
from __future__ import annotations

import inspect
from typing import Any, Optional

HIDDEN = ("hidden_size", "d_model", "n_embd", "embed_dim", "hidden_dim", "word_embed_proj_dim",
          "embedding_size", "projection_dim", "text_embed_dim", "vision_embed_dim")
LAYERS = ("num_hidden_layers", "num_layers", "n_layer", "n_layers", "encoder_layers",
          "decoder_layers", "num_decoder_layers", "num_encoder_layers")
HEADS = ("num_attention_heads", "n_head", "n_heads", "encoder_attention_heads",
         "decoder_attention_heads", "num_heads")
FFN = ("intermediate_size", "ffn_dim", "encoder_ffn_dim", "decoder_ffn_dim", "n_inner", "d_ff",
       "moe_intermediate_size", "shared_expert_intermediate_size")
SMALL = {"head_dim": 16, "d_kv": 16, "rotary_dim": 8, "num_key_value_heads": 2, "num_experts": 4,
         "n_routed_experts": 4, "num_local_experts": 4, "num_experts_per_tok": 2,
         "vocab_size": 128, "image_size": 32, "num_channels": 3}
TOKEN_IDS = ("pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id",
             "sep_token_id", "cls_token_id", "mask_token_id")


def _set(cfg: Any, name: str, value: Any) -> None:
    try:
        setattr(cfg, name, value)
    except Exception:
        pass


def shrink(cfg: Any, depth: int = 0) -> Any:
    from transformers import PretrainedConfig
    for name in HIDDEN:
        if isinstance(getattr(cfg, name, None), int):
            _set(cfg, name, 32)
    for name in LAYERS:
        if isinstance(getattr(cfg, name, None), int):
            _set(cfg, name, 2)
    for name in HEADS:
        if isinstance(getattr(cfg, name, None), int):
            _set(cfg, name, 2)
    for name in FFN:
        if isinstance(getattr(cfg, name, None), int):
            _set(cfg, name, 64)
    for name, value in SMALL.items():
        if isinstance(getattr(cfg, name, None), int):
            _set(cfg, name, value)
    if isinstance(getattr(cfg, "max_position_embeddings", None), int):
        _set(cfg, "max_position_embeddings", min(cfg.max_position_embeddings, 512))
    lt = getattr(cfg, "layer_types", None)
    if isinstance(lt, list) and len(lt) > 2:
        _set(cfg, "layer_types", lt[:2])
    for i, name in enumerate(TOKEN_IDS):
        v = getattr(cfg, name, None)
        if isinstance(v, int) and v >= 128:
            _set(cfg, name, i)
    _set(cfg, "use_cache", False)
    if depth < 2:
        for name, value in list(vars(cfg).items()):
            if isinstance(value, PretrainedConfig):
                shrink(value, depth + 1)
    return cfg


def build_tiny_model(model_type: str) -> Any:
    from transformers import AutoConfig, AutoModel
    cfg = shrink(AutoConfig.for_model(model_type))
    return AutoModel.from_config(cfg)


def trace_inputs(model: Any, cfg: Any) -> Optional[tuple[dict, dict]]:
    """Two input sets of different sizes for the model's main input, or None if unsupported."""
    import torch
    name = getattr(model, "main_input_name", "input_ids")
    params = inspect.signature(model.forward).parameters
    if name == "input_ids":
        vocab = min(int(getattr(cfg, "vocab_size", 128) or 128), 128)
        a = torch.randint(3, vocab, (1, 8))
        b = torch.randint(3, vocab, (2, 5))
    elif name == "pixel_values":
        c = int(getattr(cfg, "num_channels", 3) or 3)
        s = int(getattr(cfg, "image_size", 32) or 32)
        a = torch.randn(1, c, s, s)
        b = torch.randn(2, c, s, s)
    else:
        return None
    first, second = {name: a}, {name: b}
    if getattr(cfg, "is_encoder_decoder", False) and "decoder_input_ids" in params and name == "input_ids":
        first["decoder_input_ids"] = a
        second["decoder_input_ids"] = b
    return first, second
