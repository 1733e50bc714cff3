"""The numpy runtime against the reference path (transformers + peft), on a tiny real model.

The model is the tiny random Llama with its weights scaled up and a LoRA adapter with
random (not zero) matrices on the attention projections and the tied ``lm_head``, so the
action distributions are far from uniform and the adapter moves them: a runner that got
any part of the forward pass or the merge wrong would be caught by the probabilities.
The prompts are real: recorded from walks of a real repository made here.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file

from explore.agent.env import EnvConfig
from explore.agent.explorer import Explorer
from explore.agent.models import (
    TINY_RANDOM,
    LoadedModel,
    load_adapters,
    load_fast,
    new_lora,
    resolve_model,
    save_adapter,
)
from explore.agent.policy import LMPolicy
from explore.agent.reflector import LoRAReflector, NoReflector, reflection_chat
from explore.agent.runtime import (
    PROB_TOLERANCE,
    LlamaRunner,
    PlainTokenizer,
    RuntimePolicy,
    RuntimeReflector,
    RuntimeUnsupported,
    load_runners,
    load_runtime,
)

FILES = {
    "pkg/__init__.py": "",
    "pkg/net/retry.py": "def backoff(attempt):\n    \"\"\"Seconds before retry `attempt`.\"\"\"\n    return 2 ** attempt\n",
    "pkg/net/client.py": "from .retry import backoff\n\nclass Client:\n    def send(self, request):\n        pass\n",
    "pkg/config.py": "def parse_config(text):\n    return dict(line.split('=') for line in text.splitlines())\n",
    "docs/usage.md": "# Usage\n\nCall `backoff` between retries.\n",
    "README.md": "# Demo\n",
}
QUESTIONS = ["where is the retry backoff computed?", "where is the config parsed?", "what does a client send?"]


@pytest.fixture(scope="module")
def model_dir(tiny_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Llama with weights x4 (peaked distributions), saved as a local model folder."""
    tiny = resolve_model(TINY_RANDOM, cache_dir=tiny_cache)
    assert tiny.path is not None
    with torch.no_grad():
        for name, p in tiny.model.named_parameters():
            if "norm" not in name:
                p.mul_(4.0)
    out = tmp_path_factory.mktemp("scaled") / "model"
    tiny.model.save_pretrained(out, safe_serialization=True)
    for f in tiny.path.iterdir():
        if f.name.startswith(("tokenizer", "chat_template", "special_tokens")):
            shutil.copy(f, out / f.name)
    return out


def _random_lora(model_dir: Path, name: str, targets: Any, seed: int, out: Path) -> Path:
    """A LoRA adapter ``name`` on ``targets`` with random (not zero) A and B, saved to ``out``."""
    model = new_lora(resolve_model(str(model_dir)), name, r=4, alpha=8, target_modules=targets)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param_name, p in model.named_parameters():
            if ".lora_" in param_name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return save_adapter(model, name, out)


@pytest.fixture(scope="module")
def adapter_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA on q/k/v/o and the tied lm_head (as the shipped navigator's), with random B."""
    return _random_lora(model_dir, "policy", ["q_proj", "k_proj", "v_proj", "o_proj", "lm_head"], 0,
                        tmp_path_factory.mktemp("adapters") / "policy")


@pytest.fixture(scope="module")
def reflector_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reflector LoRA with random B on the top block's attention and MLP and the tied
    lm_head (applied to the generated rows, not folded in): the other blocks are the base
    model's, shared with the policy's runner."""
    top = json.loads((model_dir / "config.json").read_text())["num_hidden_layers"] - 1
    targets = rf"(.*layers\.{top}\.(self_attn\.(q_proj|v_proj)|mlp\.(up_proj|down_proj))|lm_head)"
    return _random_lora(model_dir, "reflector", targets, 1, tmp_path_factory.mktemp("adapters") / "reflector")


@pytest.fixture(scope="module")
def reference(model_dir: Path, adapter_dir: Path) -> LoadedModel:
    loaded = resolve_model(str(model_dir))
    loaded.model = load_adapters(loaded, {"policy": adapter_dir})
    return loaded


class Recording:
    def __init__(self, policy: Any) -> None:
        self.policy, self.calls = policy, []

    def decide(self, prompts: Any, labels: Any, **kwargs: Any) -> Any:
        self.calls.append((list(prompts), [list(x) for x in labels], kwargs.get("prefix")))
        return self.policy.decide(prompts, labels, **kwargs)


@pytest.fixture(scope="module")
def prompts(tmp_path_factory: pytest.TempPathFactory, make_repo: Any, reference: LoadedModel
            ) -> list[tuple[list[str], list[list[str]], str | None]]:
    """Prompts of real walks (the reference policy walking, 4 steps a question)."""
    repo = make_repo(tmp_path_factory.mktemp("walks"), FILES)
    recording = Recording(LMPolicy(reference.model, reference.tokenizer, adapter="policy", head="line"))
    explorer = Explorer(repo, policy=recording, reflector=NoReflector(), config=EnvConfig(max_steps=4))
    for q in QUESTIONS:
        explorer.ask(q)
    assert len(recording.calls) >= 6
    return recording.calls


@pytest.mark.parametrize("head", ["label", "line"])
@pytest.mark.parametrize("cached", [True, False])
def test_fast_path_keeps_the_action_distribution(head: str, cached: bool, model_dir: Path, adapter_dir: Path,
                                                 reference: LoadedModel, prompts: list[Any]) -> None:
    runner, tokenizer = load_runtime(model_dir, adapter_dir)
    fast = RuntimePolicy(runner, tokenizer, head=head, prefix_cache_size=8 if cached else 0)
    ref = LMPolicy(reference.model, reference.tokenizer, adapter="policy", head=head)
    unadapted = LMPolicy(reference.model, reference.tokenizer, adapter=None, head=head)
    worst = moved = peak = 0.0
    for texts, labels, prefix in prompts:
        for r, f, u in zip(ref.decide(texts, labels, greedy=True, prefix=prefix),
                           fast.decide(texts, labels, greedy=True, prefix=prefix),
                           unadapted.decide(texts, labels, greedy=True, prefix=prefix)):
            assert r.index == f.index
            worst = max(worst, *(abs(a - b) for a, b in zip(r.probs, f.probs)))
            moved = max(moved, *(abs(a - b) for a, b in zip(r.probs, u.probs)))
            peak = max(peak, max(r.probs) - 1 / len(r.probs))
    assert worst <= PROB_TOLERANCE
    assert moved > 0.05 and peak > 0.2  # the adapter matters and the distributions are not flat


def test_fast_path_batches_with_padding(model_dir: Path, adapter_dir: Path, reference: LoadedModel,
                                        prompts: list[Any]) -> None:
    """Several prompts of different lengths in one call (left padding), with and without a prefix."""
    runner, tokenizer = load_runtime(model_dir, adapter_dir)
    texts = [p[0][0] for p in prompts[:4]]
    labels = [p[1][0] for p in prompts[:4]]
    prefixes = [p[2] for p in prompts[:4]]
    assert len({len(t) for t in texts}) > 1
    for head in ("label", "line"):
        fast = RuntimePolicy(runner, tokenizer, head=head)
        ref = LMPolicy(reference.model, reference.tokenizer, adapter="policy", head=head)
        for prefix in (None, prefixes):
            for r, f in zip(ref.decide(texts, labels, prefix=prefix, greedy=True),
                            fast.decide(texts, labels, prefix=prefix, greedy=True)):
                assert max(abs(a - b) for a, b in zip(r.probs, f.probs)) <= PROB_TOLERANCE


def test_plain_tokenizer_matches_transformers(model_dir: Path, reference: LoadedModel, prompts: list[Any]) -> None:
    plain = PlainTokenizer(model_dir)
    hf = reference.tokenizer
    assert (plain.pad_token_id, plain.eos_token_id) == (hf.pad_token_id, hf.eos_token_id)
    for (text, *_rest) in prompts:
        chat = [{"role": "user", "content": text[0]}]
        rendered = plain.apply_chat_template(chat, add_generation_prompt=True)
        assert rendered == hf.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        for specials in (True, False):
            ours = plain(rendered, add_special_tokens=specials, return_offsets_mapping=True)
            theirs = hf(rendered, add_special_tokens=specials, return_offsets_mapping=True)
            assert ours["input_ids"] == list(theirs["input_ids"])
            assert [tuple(o) for o in ours["offset_mapping"]] == [tuple(o) for o in theirs["offset_mapping"]]
        assert plain.encode(" yes", add_special_tokens=False) == hf.encode(" yes", add_special_tokens=False)


def test_load_fast_applies_only_where_it_can(model_dir: Path, adapter_dir: Path, tmp_path: Path, tiny_cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_fast(str(model_dir), {"policy": adapter_dir})
    assert loaded is not None and isinstance(loaded.model, LlamaRunner)
    assert load_fast(str(model_dir), {}) is not None  # zero-shot: the base model alone
    # a LoRA reflector gets a runner of its own; --reflector none does not load one
    both = load_fast(str(model_dir), {"policy": adapter_dir, "reflector": adapter_dir})
    assert both is not None and isinstance(both.reflector, LlamaRunner)
    alone = load_fast(str(model_dir), {"policy": adapter_dir, "reflector": adapter_dir}, reflector="none")
    assert alone is not None and alone.reflector is None
    assert load_fast(str(model_dir), {"policy": adapter_dir}, reflector="lora") is None  # the usual path says why
    assert load_fast("HuggingFaceTB/not-a-local-folder", {}) is None
    monkeypatch.setenv("EXPLORE_RUNTIME", "transformers")
    assert load_fast(str(model_dir), {"policy": adapter_dir}) is None
    monkeypatch.delenv("EXPLORE_RUNTIME")
    dora = tmp_path / "dora"
    shutil.copytree(adapter_dir, dora)
    config = json.loads((dora / "adapter_config.json").read_text())
    (dora / "adapter_config.json").write_text(json.dumps({**config, "use_dora": True}))
    with pytest.raises(RuntimeUnsupported, match="use_dora"):
        load_runtime(model_dir, dora)
    assert load_fast(str(model_dir), {"policy": dora}) is None
    # an adapter that does not fit: the usual path loads it and says why
    misfit = tmp_path / "misfit"
    shutil.copytree(adapter_dir, misfit)
    tensors = load_file(str(misfit / "adapter_model.safetensors"))
    first = next(k for k in tensors if "q_proj.lora_A" in k)
    tensors[first] = tensors[first][:, :-1].contiguous()
    save_file(tensors, str(misfit / "adapter_model.safetensors"))
    with pytest.raises(RuntimeUnsupported, match="do not fit"):
        load_runtime(model_dir, misfit)
    assert load_fast(str(model_dir), {"policy": misfit}) is None
    other = tmp_path / "other"
    shutil.copytree(adapter_dir, other)
    (other / "adapter_config.json").write_text(json.dumps({**config, "base_model_name_or_path": "gpt2"}))
    assert load_fast(TINY_RANDOM, {"policy": other}, cache_dir=tiny_cache) is None  # made for another base


def test_a_model_folder_with_a_damaged_config_is_said_so(model_dir: Path, tmp_path: Path, make_repo: Any) -> None:
    """A local model folder whose config.json is cut short or no object: the numpy runtime
    read it first and raised the JSON error (exit 1, a traceback); it now leaves the folder
    to the usual path, which names the file (exit 2), as it does with the runtime off."""
    from typer.testing import CliRunner

    from explore.cli import app

    repo = make_repo(tmp_path, FILES)
    damaged = tmp_path / "damaged"
    shutil.copytree(model_dir, damaged)
    for text in ('{"architectures": ["LlamaForCausalLM"]', "[1]", ""):
        (damaged / "config.json").write_text(text)
        with pytest.raises(RuntimeUnsupported, match="config.json"):
            load_runtime(damaged)
        assert load_fast(str(damaged), {}) is None
        result = CliRunner().invoke(app, ["ask", str(repo), QUESTIONS[0], "--model", str(damaged),
                                          "--walk", "always", "--no-server"])
        assert result.exit_code == 2 and "could not load it" in result.output, (text, result.output)


@pytest.mark.parametrize("with_reflector", [False, True])
def test_explorer_asks_without_torch_transformers_or_peft(with_reflector: bool, tmp_path: Path, make_repo: Any,
                                                          model_dir: Path, adapter_dir: Path,
                                                          reflector_dir: Path) -> None:
    """A fresh process: Explorer loads the numpy runtime and answers, importing none of
    them; with a reflector adapter in the bundle its notes come from the runtime too."""
    repo = make_repo(tmp_path, FILES)
    adapters = {"policy": str(adapter_dir), **({"reflector": str(reflector_dir)} if with_reflector else {})}
    code = (
        "import sys, json\n"
        "from explore.agent.explorer import Explorer\n"
        f"ex = Explorer({str(repo)!r}, model={str(model_dir)!r}, adapters={adapters!r}, max_steps=3)\n"
        "a = ex.ask('where is the retry backoff computed?', walk='always')\n"
        "print(json.dumps([type(ex.policy.model).__name__, type(ex.reflector).__name__, len(a.steps), a.files[:1],"
        " [s.reflection for s in a.steps], [m for m in ('torch', 'transformers', 'peft') if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    runner, reflector, steps, files, notes, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert runner == "LlamaRunner" and 1 <= steps <= 3 and files
    assert reflector == ("RuntimeReflector" if with_reflector else "NoReflector")
    assert any(notes) == with_reflector
    assert imported == []


def test_later_questions_continue_from_the_cached_instructions(model_dir: Path, adapter_dir: Path,
                                                              prompts: list[Any]) -> None:
    """A new question's prefix is run from where it departs from a cached one (the chat
    preamble and instructions), and its decisions match a policy that caches nothing."""
    runner, tokenizer = load_runtime(model_dir, adapter_dir)
    fast = RuntimePolicy(runner, tokenizer, head="line")
    plain = RuntimePolicy(*load_runtime(model_dir, adapter_dir), head="line", prefix_cache_size=0)
    firsts = {}
    for texts, labels, prefix in prompts:
        firsts.setdefault(prefix, (texts, labels))
    assert len(firsts) == len(QUESTIONS)
    for n, (prefix, (texts, labels)) in enumerate(firsts.items()):
        before = runner.tokens_run
        got = fast.decide(texts, labels, greedy=True, prefix=prefix)[0]
        want = plain.decide(texts, labels, greedy=True, prefix=prefix)[0]
        head, tail = (len(part) for part in fast.layout.split(texts[0], prefix)[:2])
        ran = runner.tokens_run - before
        assert ran <= head + tail
        if n > 0:
            assert ran < head + tail - 8  # continued from the shared instructions
        assert max(abs(a - b) for a, b in zip(got.probs, want.probs)) <= PROB_TOLERANCE


def test_line_head_runs_nothing_after_the_last_action(model_dir: Path, adapter_dir: Path,
                                                      prompts: list[Any]) -> None:
    runner, tokenizer = load_runtime(model_dir, adapter_dir)
    fast = RuntimePolicy(runner, tokenizer, head="line", prefix_cache_size=0)
    texts, labels, _prefix = prompts[0]
    fast.decide(texts, labels, greedy=True)
    whole = len(fast.layout.split(texts[0], None)[1])
    after = tokenizer.encode("\nThe best action is letter:<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)
    assert texts[0].endswith("The best action is letter:") and runner.tokens_run == whole - len(after)


def test_threads_come_from_the_environment_or_half_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from explore.agent.runtime import ThreadsSettingError, runtime_threads, set_blas_threads

    monkeypatch.delenv("EXPLORE_THREADS", raising=False)
    assert runtime_threads() == max(1, (os.cpu_count() or 1) // 2)
    monkeypatch.setenv("EXPLORE_THREADS", "3")
    assert runtime_threads() == 3
    monkeypatch.setenv("EXPLORE_THREADS", "many")
    with pytest.raises(ThreadsSettingError, match="whole number"):
        runtime_threads()  # said, not a silent fall back to the slow path
    assert set_blas_threads(1) in (True, False)  # False where numpy's BLAS is not OpenBLAS


def _observations(prompts: list[Any]) -> list[str]:
    """Real observations: the policy prompts of the recorded walks without their instructions."""
    return [texts[0].split("\nThe best action is letter:")[0] for texts, _labels, _prefix in prompts[:5]]


@pytest.mark.parametrize("kind", ["analyze", "wrong_choice"])
def test_runtime_reflector_writes_the_reference_notes(kind: str, model_dir: Path, adapter_dir: Path,
                                                      reflector_dir: Path, prompts: list[Any]) -> None:
    """Greedy notes on the numpy runtime are the notes transformers + peft generate, and the
    reflector's adapter (not the policy's) wrote them."""
    loaded = resolve_model(str(model_dir))
    loaded.model = load_adapters(loaded, {"policy": adapter_dir, "reflector": reflector_dir})
    ref = LoRAReflector(loaded.model, loaded.tokenizer, adapter="reflector", max_new_tokens=12)
    base = LoRAReflector(loaded.model, loaded.tokenizer, adapter=None, max_new_tokens=12)
    runners, tokenizer = load_runners(model_dir, {"policy": adapter_dir, "reflector": reflector_dir})
    fast = RuntimeReflector(runners["reflector"], tokenizer, max_new_tokens=12)
    observations = _observations(prompts)
    want = [ref.reflect([o], kind=kind)[0] for o in observations]  # one at a time: no padding
    got = fast.reflect(observations, kind=kind)
    assert got == want, (got, want)
    assert all(got) and got != [base.reflect([o], kind=kind)[0] for o in observations]


def test_runtime_reflector_shares_the_base_and_continues_from_the_last_prompt(
        model_dir: Path, adapter_dir: Path, reflector_dir: Path, prompts: list[Any]) -> None:
    runners, tokenizer = load_runners(model_dir, {"policy": adapter_dir, "reflector": reflector_dir})
    policy, reflector = runners["policy"], runners["reflector"]
    assert policy.layers[0]["mlp.up_proj"] is reflector.layers[0]["mlp.up_proj"]  # patched by neither
    assert policy.layers[-1]["mlp.up_proj"] is not reflector.layers[-1]["mlp.up_proj"]  # the reflector's LoRA
    fast = RuntimeReflector(reflector, tokenizer, max_new_tokens=4)
    plain = RuntimeReflector(load_runners(model_dir, {"r": reflector_dir})[0]["r"], tokenizer, max_new_tokens=4,
                             prompt_cache_size=0)
    first, second = _observations(prompts)[:2]
    fast.reflect([first], kind="analyze")
    before = reflector.tokens_run
    assert fast.reflect([second], kind="analyze") == plain.reflect([second], kind="analyze")
    whole = len(tokenizer(reflection_chat(tokenizer, second, "analyze"), add_special_tokens=False)["input_ids"])
    assert reflector.tokens_run - before < whole  # the shared chat preamble was not run again
