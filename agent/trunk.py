"""The frozen trunk: hidden states below the lowest adapted block, computed once per prompt.

With LoRA on the top blocks only (``SFTConfig.lora_layers``), every block below the lowest
adapted one is a fixed function of the token ids: its output for a prompt never changes
while the adapters train. :class:`FrozenTrunk` keeps that output per prompt, so a training
pass over an example seen before runs only the adapted blocks (forward and backward).
Measured on SmolLM2-135M with LoRA on the top 8 of 30 blocks, 2 cores, batch 8 of ~400
tokens: the trunk costs ~0.55 s an example once, a later forward+backward ~0.55 s instead
of ~1.15 s (``benchmarks/bench_trunk.py``).

It needs a decoder whose blocks take positions inside attention (rotary: Llama, Mistral,
Qwen2): the cached states are fed to the adapted blocks as ``inputs_embeds``, which such
models pass on unchanged. Other models, or adapters that reach the lowest block, get no
trunk. The first use checks the trunk path against the model's own forward pass on a real
example and switches the trunk off if they disagree, so a model it does not fit costs
speed, never a wrong loss.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch

from .encoding import keep_positions, left_pad, on_device, run_kept

#: Architectures whose decoder blocks receive positions inside attention (rotary embeddings).
ROTARY_MODELS = frozenset({"llama", "mistral", "qwen2", "qwen3"})

#: States are stored as float16 (half the memory; on SmolLM2 the label logits move by at
#: most ~0.003) unless they exceed this magnitude, then float32.
HALF_LIMIT = 60_000.0


class _Stop(Exception):
    """Internal: ends a forward pass once the trunk's output is captured."""


def _base(model: Any) -> Any:
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def lowest_adapted_block(model: Any, adapter: str | None) -> int | None:
    """Index of the lowest transformer block holding trainable parameters (LoRA of
    ``adapter``, or anything with ``requires_grad``); None when something below every block
    (embeddings) trains, or nothing does."""
    lowest: int | None = None
    for name, param in model.named_parameters():
        trains = param.requires_grad or (adapter is not None and "lora_" in name and f".{adapter}." in name)
        if not trains:
            continue
        match = re.search(r"\.layers\.(\d+)\.", name)
        if match is None:
            if "lm_head" in name or re.search(r"(^|\.)norm\.", name):
                continue  # above every block
            return None
        block = int(match.group(1))
        lowest = block if lowest is None else min(lowest, block)
    return lowest


class FrozenTrunk:
    """Caches each prompt's hidden states at the input of the lowest adapted block.

    :meth:`logits` gives the next-token logits at the last position of left-padded rows,
    as the whole model would, running only the blocks from :attr:`split` up. Entries are
    kept per row of token ids, least recently used dropped beyond ``max_mb``.
    """

    def __init__(self, model: Any, adapter: str | None, max_mb: float = 4096, *, half: bool = True) -> None:
        self.model = model
        self.half = half
        base = _base(model)
        self.stack = getattr(base, "model", None)
        model_type = getattr(getattr(base, "config", None), "model_type", None)
        layers = getattr(self.stack, "layers", None)
        self.split = lowest_adapted_block(model, adapter)
        self.enabled = (model_type in ROTARY_MODELS and isinstance(layers, torch.nn.ModuleList)
                        and self.split is not None and 0 < self.split < len(layers) and max_mb > 0)
        self.max_bytes = int(max_mb * 2**20)
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.checked = False
        self._cache: OrderedDict[tuple[int, ...], torch.Tensor] = OrderedDict()

    def stats(self) -> dict[str, float]:
        return {"trunk/hits": self.hits, "trunk/misses": self.misses, "trunk/mb": round(self.bytes / 2**20, 1)}

    # -- public ---------------------------------------------------------------------------

    def logits(self, rows: Sequence[Sequence[int]], pad_id: int, keep_kw: str | None,
               at: Sequence[Sequence[int]] | None = None) -> torch.Tensor | None:
        """``[B, K, V]`` logits of left-padded rows at the last position or at positions ``at``
        (as ``LMPolicy._forward``), or None when the trunk is (or has just been found) unusable
        for this model."""
        if not self.enabled:
            return None
        ids, mask = left_pad(rows, pad_id)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        missing = [i for i, row in enumerate(rows) if tuple(row) not in self._cache]
        if missing:
            self._fill([rows[i] for i in missing], pad_id)
        first = next(iter(self._cache.values()))
        width, hidden = ids.shape[1], first.shape[-1]
        states = torch.zeros((len(rows), width, hidden), dtype=torch.float32, device=first.device)
        for i, row in enumerate(rows):
            key = tuple(row)
            self._cache.move_to_end(key)
            if row:
                states[i, width - len(row):] = self._cache[key].float()
        self.hits += len(rows) - len(missing)
        self.misses += len(missing)
        keep = keep_positions([len(r) for r in rows], width, at)
        out = self._upper(states, mask, positions, keep_kw, keep)
        if not self.checked and not self._agrees(rows[0], out[:1], pad_id, keep_kw, at[:1] if at else None):
            return None
        return out

    # -- internals --------------------------------------------------------------------------

    def _fill(self, rows: Sequence[Sequence[int]], pad_id: int) -> None:
        """Run the model up to the split block (no graph) and store each row's states."""
        ids, mask = left_pad(rows, pad_id)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        captured: dict[str, torch.Tensor] = {}

        def grab(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            captured["h"] = args[0] if args else kwargs["hidden_states"]
            raise _Stop

        handle = self.stack.layers[self.split].register_forward_pre_hook(grab, with_kwargs=True)
        try:
            with torch.no_grad():
                self.model(**on_device(self.model, {"input_ids": ids, "attention_mask": mask,
                                                    "position_ids": positions, "use_cache": False}))
        except _Stop:
            pass
        finally:
            handle.remove()
        states = captured["h"].detach()
        for i, row in enumerate(rows):
            state = states[i, states.shape[1] - len(row):]
            if self.half and float(state.abs().max()) < HALF_LIMIT:
                state = state.to(torch.float16)
            state = state.clone()
            self._cache[tuple(row)] = state
            self.bytes += state.numel() * state.element_size()
        while self.bytes > self.max_bytes and len(self._cache) > len(rows):
            _, old = self._cache.popitem(last=False)
            self.bytes -= old.numel() * old.element_size()

    def _upper(self, states: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor,
               keep_kw: str | None, keep: torch.Tensor | None) -> torch.Tensor:
        """The adapted blocks (and norm, head) on cached states, with gradients as configured."""
        layers = self.stack.layers
        kwargs: dict[str, Any] = {"inputs_embeds": states, "attention_mask": mask, "position_ids": positions,
                                  "use_cache": False}
        self.stack.layers = torch.nn.ModuleList(list(layers)[self.split:])
        try:
            return run_kept(self.model, kwargs, keep_kw, keep)
        finally:
            self.stack.layers = layers

    def _agrees(self, row: Sequence[int], got: torch.Tensor, pad_id: int, keep_kw: str | None,
                at: Sequence[Sequence[int]] | None) -> bool:
        """Compare against the full forward once; switch the trunk off on disagreement."""
        self.checked = True
        ids, mask = left_pad([row], pad_id)
        kwargs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "use_cache": False,
                                  "position_ids": (mask.cumsum(-1) - 1).clamp(min=0)}
        with torch.no_grad():
            want = run_kept(self.model, kwargs, keep_kw, keep_positions([len(row)], ids.shape[1], at))
        got = got.detach()[:, : want.shape[1]]
        scale = float(want.abs().max()) + 1.0
        if float((want - got).abs().max()) <= 1e-2 * scale:
            return True
        self.enabled = False
        self._cache.clear()
        self.bytes = 0
        return False
