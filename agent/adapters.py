"""LoRA adapters: policy and reflector as two adapters on one frozen base model, in memory once.

:func:`new_lora` adds a trainable adapter, :func:`load_adapters` attaches saved ones (after
:func:`check_adapter` refused any made for another base model), :func:`use_adapter` runs a
block with one of them active, and :func:`save_adapter` writes one to a folder atomically.
Finding and loading the base model itself is :mod:`explore.agent.models`'s.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..sandbox.atomic import replacing_folder
from .model_store import DEFAULT_MODEL, SMOLLM2_HF_ID, LoadedModel, ModelError, looks_like_path

if TYPE_CHECKING:
    import torch


class AdapterNotFound(ModelError):
    """An adapter was asked for that is neither loaded nor present on disk."""


class AdapterDamaged(ModelError):
    """An adapter's weights file is cut short or is no safetensors file (a full disk, a copy
    stopped half-way)."""


class AdapterMismatch(ModelError):
    """A LoRA adapter was trained on a different base model than the one loaded."""


def fits_base(theirs: str, ours: str) -> bool:
    """Whether an adapter that records base model ``theirs`` may go on the model named ``ours``.

    Only names are compared (a folder path is machine-specific: anything goes, and the
    matrices' shapes decide); the SmolLM2 built-in and its Hugging Face id are one model."""
    if not theirs or not ours or looks_like_path(theirs) or looks_like_path(ours):
        return True
    aliases = {ours} | ({DEFAULT_MODEL, SMOLLM2_HF_ID} if ours in (DEFAULT_MODEL, SMOLLM2_HF_ID) else set())
    return theirs in aliases


def _base_of(model: Any) -> Any:
    peft = sys.modules.get("peft")  # a model made without peft imported cannot be a PeftModel
    return model.get_base_model() if peft is not None and isinstance(model, peft.PeftModel) else model


def _adapter_params(model: Any, name: str) -> list[torch.nn.Parameter]:
    pattern = re.compile(rf"\.lora_\w+\.{re.escape(name)}(\.|$)")
    return [p for n, p in model.named_parameters() if pattern.search(n)]


def adapter_config(path: str | Path) -> dict[str, Any]:
    """The settings in the adapter folder ``path``'s ``adapter_config.json``, where the ones
    every route reads are of their kind: the base model a name (or absent), the rank ``r`` a
    whole number above 0, ``lora_alpha`` a finite number. Raises :class:`AdapterNotFound`
    without the file and :class:`AdapterDamaged` for one cut short, not JSON, not an object,
    or holding a setting of another kind (a rank of ``"x"`` was a ValueError out of the
    merge, a NaN alpha a model scaled by NaN)."""
    path = Path(path)
    config_file = path / "adapter_config.json"
    if not config_file.is_file():
        raise AdapterNotFound(f"no adapter at {path} (adapter_config.json missing)")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if not isinstance(config, dict):
            raise ValueError(f"it holds a {type(config).__name__}, not an object")
        base, rank, alpha = (config.get(key) for key in ("base_model_name_or_path", "r", "lora_alpha"))
        if base is not None and not isinstance(base, str):
            raise ValueError(f"base_model_name_or_path is {base!r}")
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"r is {rank!r}, not a whole number above 0")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha):
            raise ValueError(f"lora_alpha is {alpha!r}, not a finite number")
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors too
        raise AdapterDamaged(f"adapter {path}: its {config_file.name} cannot be read ({exc}); train it "
                             f"again, or remove {path} to use the shipped navigator") from None
    return config


def check_adapter(model: Any, path: str | Path, base_name: str | None = None) -> None:
    """Refuse, with a message a user can act on, an adapter made for another base model.

    Checks the recorded base name (only when both sides are names, not machine-specific
    paths) and then every LoRA matrix's shape against the module it would patch.
    """
    path = Path(path)
    base = _base_of(model)
    ours = base_name or getattr(base, "name_or_path", "") or ""
    theirs = adapter_config(path).get("base_model_name_or_path") or ""
    if not fits_base(theirs, ours):
        raise AdapterMismatch(
            f"adapter {path} was trained on base model {theirs!r}, but the loaded model is {ours!r}; "
            f"load it with the model it was trained on, or retrain it on {ours!r}"
        )
    weights = path / "adapter_model.safetensors"
    if not weights.is_file():
        return
    from safetensors import safe_open

    try:
        fh = safe_open(str(weights), framework="pt")
    except Exception as exc:  # noqa: BLE001 - safetensors' own error type: a file cut short, or not one
        raise AdapterDamaged(f"adapter {path}: its weights ({weights.name}) cannot be read ({exc}); train it "
                             f"again, or remove {path} to use the shipped navigator") from None
    with fh:
        for key in fh.keys():
            match = re.match(r"(?:base_model\.model\.)?(.+)\.(lora_A|lora_B)\.weight$", key)
            if not match:
                continue
            module_path, kind = match.groups()
            shape = tuple(fh.get_slice(key).get_shape())
            try:
                module = base.get_submodule(module_path)
            except AttributeError:
                raise AdapterMismatch(
                    f"adapter {path} patches {module_path}, which the loaded model {ours!r} does not have; "
                    f"it was built for {theirs or 'another base model'!r}"
                ) from None
            expected = getattr(module, "in_features" if kind == "lora_A" else "out_features", None)
            if expected is None:  # e.g. GPT-2's Conv1D: leave it to peft's own size check
                continue
            got = shape[1] if kind == "lora_A" else shape[0]
            if got != expected:
                raise AdapterMismatch(
                    f"adapter {path} does not fit the loaded model {ours!r}: {module_path} has "
                    f"{'input' if kind == 'lora_A' else 'output'} size {expected}, adapter expects {got} "
                    f"(built for {theirs or 'another base model'!r})"
                )


def load_adapters(
    loaded: LoadedModel | Any,
    adapters: Mapping[str, str | Path],
    *,
    trainable: Collection[str] = (),
) -> Any:
    """Attach several saved LoRA adapters to one frozen base model, in memory once.

    Returns the peft model; switch with ``set_adapter(name)`` or :func:`use_adapter`.
    Pass a peft model (from an earlier call or :func:`new_lora`) to add to it. The base
    model is patched in place, as peft does. Adapters named in ``trainable`` keep grads.
    """
    from peft import PeftModel

    model = loaded.model if isinstance(loaded, LoadedModel) else loaded
    name = loaded.name if isinstance(loaded, LoadedModel) else None
    if not adapters:
        raise ValueError("load_adapters needs at least one adapter")
    first: str | None = None
    for adapter_name, path in adapters.items():
        check_adapter(model, path, name)
        try:
            if isinstance(model, PeftModel):
                model.load_adapter(str(path), adapter_name=adapter_name, is_trainable=adapter_name in trainable)
            else:
                model = PeftModel.from_pretrained(
                    model, str(path), adapter_name=adapter_name, is_trainable=adapter_name in trainable
                )
        except RuntimeError as exc:
            if "size mismatch" in str(exc):
                raise AdapterMismatch(f"adapter {path} does not fit the loaded model: {exc}") from exc
            raise
        first = first or adapter_name
    model.set_adapter(first)
    for adapter_name in adapters:  # set_adapter toggles grads; make them what was asked for
        for p in _adapter_params(model, adapter_name):
            p.requires_grad_(adapter_name in trainable)
    return model


def default_lora_targets(model: Any) -> list[str] | str:
    """Attention projections when the model names them like Llama/GPT-2, else all linears."""
    names = {n.rsplit(".", 1)[-1] for n, _ in _base_of(model).named_modules()}
    for group in (["q_proj", "k_proj", "v_proj", "o_proj"], ["c_attn", "c_proj"]):
        if set(group) <= names:
            return group
    return "all-linear"


def new_lora(
    loaded: LoadedModel | Any,
    name: str,
    r: int = 8,
    alpha: int = 16,
    target_modules: Collection[str] | str | None = None,
    dropout: float = 0.0,
) -> Any:
    """Add a fresh, trainable, active LoRA adapter ``name`` and return the peft model.

    Dropout defaults to 0 so that log-probs computed during RL rollouts (eval mode) and
    during the update (train mode) agree.
    """
    from peft import LoraConfig, PeftModel, get_peft_model

    model = loaded.model if isinstance(loaded, LoadedModel) else loaded
    targets = target_modules if target_modules is not None else default_lora_targets(model)
    config = LoraConfig(r=r, lora_alpha=alpha, target_modules=targets if isinstance(targets, str) else list(targets),
                        lora_dropout=dropout, bias="none", task_type="CAUSAL_LM")
    if isinstance(model, PeftModel):
        if name in model.peft_config:
            raise ValueError(f"adapter {name!r} already exists on this model")
        grads = {id(p): p.requires_grad for p in model.parameters()}
        model.add_adapter(name, config)
        model.set_adapter(name)
        for p in model.parameters():
            p.requires_grad_(grads.get(id(p), False))
    else:
        model = get_peft_model(model, config, adapter_name=name)
    for p in _adapter_params(model, name):
        p.requires_grad_(True)
    return model


@contextmanager
def use_adapter(model: Any, adapter: str | None) -> Iterator[Any]:
    """Run a block with one adapter active (or none), then restore the previous state.

    peft's ``set_adapter`` and ``disable_adapter`` also flip ``requires_grad``; this restores
    the flags, so e.g. a reflection step cannot unfreeze the reflector or freeze the policy.
    """
    peft = sys.modules.get("peft")  # a model made without peft imported cannot be a PeftModel
    if peft is None or not isinstance(model, peft.PeftModel):
        if adapter is not None:
            raise AdapterNotFound(
                f"adapter {adapter!r} requested but the model has no adapters; "
                "attach them with load_adapters()/new_lora(), or pass adapter=None to use the base model"
            )
        yield model
        return
    if adapter is not None and adapter not in model.peft_config:
        raise AdapterNotFound(f"adapter {adapter!r} is not loaded; loaded: {sorted(model.peft_config)}")
    previous = model.active_adapter
    if adapter == previous:
        yield model
        return
    grads = [(p, p.requires_grad) for p in model.parameters()]
    try:
        if adapter is None:
            with model.disable_adapter():
                yield model
        else:
            model.set_adapter(adapter)
            try:
                yield model
            finally:
                model.set_adapter(previous)
    finally:
        for p, flag in grads:
            p.requires_grad_(flag)


def save_adapter(model: Any, name: str, path: str | Path) -> Path:
    """Save one adapter so that ``path`` itself holds it (what :func:`load_adapters` expects).

    peft nests non-default adapters in ``path/name``; this flattens that. The folder is
    written beside ``path`` and renamed into place (:func:`~explore.sandbox.atomic.replacing_folder`),
    so a process loading the adapter meanwhile never finds half of one. It also skips
    peft's hub lookup for the base model's config (``save_embedding_layers``), which would
    stall for a minute on a machine without internet.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing_folder(path) as scratch:
        model.save_pretrained(scratch, selected_adapters=[name], save_embedding_layers=False)
        if (scratch / name / "adapter_config.json").is_file():  # nested: keep only what is inside
            inner = (scratch / name).rename(scratch / ".adapter-inner")
            for item in scratch.iterdir():
                if item != inner:
                    shutil.rmtree(item) if item.is_dir() else item.unlink()
            for item in inner.iterdir():
                item.rename(scratch / item.name)
            inner.rmdir()
    return path
