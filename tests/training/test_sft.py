"""SFT: the demonstrated label becomes the policy's choice; the reflector learns its notes."""
from __future__ import annotations

import pytest
import torch

from explore.agent.env import EnvConfig, RepoExploreEnv
from explore.agent.models import new_lora, resolve_model
from explore.agent.policy import LMPolicy
from explore.agent.prompt import policy_prompt
from explore.agent.reflector import reflection_chat
from explore.sandbox.snapshot import Repository
from explore.training.config import DemoConfig, SFTConfig
from explore.training.demos import build_demos
from explore.training.sft import (SFTError, SFTTrainer, adapter_params, lora_targets, reflector_batch,
                                  reflector_loss)


@pytest.fixture
def setup(small_repo, tasks):
    """tiny-random with both adapters, and demonstrations for two tasks with different first moves."""
    chosen = [t for t in tasks if t.id in ("install", "delay")]
    env = RepoExploreEnv(Repository(small_repo), chosen, EnvConfig())
    demos = build_demos(env, chosen, DemoConfig(negative_ratio=0.0), seed=0)
    loaded = resolve_model("tiny-random")
    torch.manual_seed(0)
    model = new_lora(loaded, "reflector", target_modules=lora_targets(loaded.model))
    model = new_lora(model, "policy", target_modules=lora_targets(model))
    return model, loaded.tokenizer, LMPolicy(model, loaded.tokenizer, adapter="policy"), demos


def demonstrated_probs(policy, examples) -> list[tuple[float, bool]]:
    decisions = policy.decide([policy_prompt(o, n) for o, n, _, _ in examples], [labs for _, _, labs, _ in examples],
                              greedy=True)
    return [(d.probs[a], d.index == a) for d, (_, _, _, a) in zip(decisions, examples)]


def test_sft_makes_the_demonstrated_label_most_likely(setup) -> None:
    model, tokenizer, policy, demos = setup
    examples = [(o, "", labs, a) for o, _n, labs, a in demos.policy_examples()]  # the no-reflection policy
    before = demonstrated_probs(policy, examples)
    assert not all(top for _, top in before)
    n = len(examples)
    trainer = SFTTrainer(model, tokenizer, policy, examples, (), SFTConfig(lr=1e-2, batch_size=n, micro_batch=n))
    reflector_before = [p.detach().clone() for p in adapter_params(model, "reflector")]
    for _ in range(40):
        metrics = trainer.step()
    after = demonstrated_probs(policy, examples)
    assert all(top for _, top in after), after
    assert sum(p for p, _ in after) / len(after) > sum(p for p, _ in before) / len(before) + 0.3
    assert metrics["sft/policy_loss"] < 0.5
    # the no-reflection ablation leaves the reflector adapter untouched
    assert all(torch.equal(a, b) for a, b in zip(reflector_before, adapter_params(model, "reflector")))


def test_reflector_learns_its_notes_on_completion_tokens_only(setup) -> None:
    model, tokenizer, policy, demos = setup
    pairs = [(o, n) for o, _k, n in demos.reflector_examples()]
    ids, mask, labels = reflector_batch(tokenizer, pairs[:2])
    for row in range(2):
        prompt = tokenizer(reflection_chat(tokenizer, pairs[row][0], "analyze"), add_special_tokens=False)["input_ids"]
        note = tokenizer(pairs[row][1], add_special_tokens=False)["input_ids"]
        learned = labels[row][labels[row] != -100].tolist()
        assert learned == note + [tokenizer.eos_token_id]  # the note and its end, never the prompt
        n = int(mask[row].sum())
        assert n == len(prompt) + len(note) + 1
        assert ids[row][-n:].tolist() == prompt + note + [tokenizer.eos_token_id]  # left-padded
    with torch.no_grad():
        start = float(reflector_loss(model, tokenizer, pairs))
    examples = demos.policy_examples()
    trainer = SFTTrainer(model, tokenizer, policy, examples, pairs, SFTConfig(lr=3e-3, batch_size=4))
    for _ in range(8):
        metrics = trainer.step()
    with torch.no_grad():
        end = float(reflector_loss(model, tokenizer, pairs))
    assert end < start - 0.5, (start, end)
    assert {"sft/policy_loss", "sft/reflector_loss", "sft/policy_grad_norm", "sft/reflector_grad_norm"} <= set(metrics)


def test_state_round_trip_continues_exactly(setup) -> None:
    model, tokenizer, policy, demos = setup
    examples = demos.policy_examples()
    config = SFTConfig(lr=1e-3, batch_size=3)
    trainer = SFTTrainer(model, tokenizer, policy, examples, (), config, seed=5)
    trainer.step()
    saved = trainer.state_dict()
    first = [trainer.step()["sft/policy_loss"] for _ in range(2)]
    trainer.load_state_dict(saved)
    again = [trainer.step()["sft/policy_loss"] for _ in range(2)]
    assert first == again and trainer.steps == 3


def test_no_examples_is_a_named_error(setup) -> None:
    model, tokenizer, policy, _ = setup
    with pytest.raises(SFTError, match="no policy examples"):
        SFTTrainer(model, tokenizer, policy, [], ())


def test_lora_on_top_layers_only_trains_those(setup) -> None:
    from explore.agent.models import new_lora, resolve_model

    loaded = resolve_model("tiny-random")
    regex = lora_targets(loaded.model, layers=1)
    model = new_lora(loaded, "top", target_modules=regex)
    trained = {n for n, p in model.named_parameters() if p.requires_grad}
    blocks = {int(n.split(".layers.")[1].split(".")[0]) for n in trained if ".layers." in n}
    assert len(blocks) == 1 and any("lm_head" in n for n in trained)


def test_sft_over_the_frozen_trunk_learns_as_the_full_model_does(small_repo, tasks) -> None:
    """With LoRA on the top block only, SFT reuses the lower block's states from the second
    pass on, and the losses match a run that always runs the whole model."""
    from explore.agent.models import new_lora, resolve_model

    chosen = [t for t in tasks if t.id in ("install", "delay")]
    env = RepoExploreEnv(Repository(small_repo), chosen, EnvConfig())
    examples = [(o, "", labs, a) for o, _n, labs, a in build_demos(env, chosen, DemoConfig(negative_ratio=0.0),
                                                                    seed=0).policy_examples()]
    runs = {}
    for trunk_mb in (0, 16):
        loaded = resolve_model("tiny-random")
        torch.manual_seed(0)
        model = new_lora(loaded, "policy", target_modules=lora_targets(loaded.model, layers=1))
        policy = LMPolicy(model, loaded.tokenizer, adapter="policy")
        config = SFTConfig(lr=1e-2, batch_size=len(examples), micro_batch=len(examples), trunk_cache_mb=trunk_mb)
        trainer = SFTTrainer(model, loaded.tokenizer, policy, examples, (), config)
        runs[trunk_mb] = [trainer.step() for _ in range(6)]
    assert "sft/trunk_hits" not in runs[0][-1]
    assert runs[16][-1]["sft/trunk_misses"] == len(examples) and runs[16][-1]["sft/trunk_hits"] == 5 * len(examples)
    full = [m["sft/policy_loss"] for m in runs[0]]
    cached = [m["sft/policy_loss"] for m in runs[16]]
    assert cached == pytest.approx(full, abs=2e-3)
    assert cached[-1] < cached[0] - 0.2


def test_the_reflector_learns_over_the_frozen_trunk_as_over_the_full_model(small_repo, tasks) -> None:
    """The reflector's notes reuse the lower block's states too (the reflect track was 10x a
    plain SFT step without it), and its losses match a run over the whole model."""
    chosen = [t for t in tasks if t.id in ("install", "delay")]
    env = RepoExploreEnv(Repository(small_repo), chosen, EnvConfig())
    demos = build_demos(env, chosen, DemoConfig(negative_ratio=0.0), seed=0)
    policy_examples = demos.policy_examples()
    notes = [(o, n) for o, _kind, n in demos.reflector_examples()]
    runs = {}
    for trunk_mb in (0, 16):
        loaded = resolve_model("tiny-random")
        torch.manual_seed(0)
        model = new_lora(loaded, "reflector", target_modules=lora_targets(loaded.model, layers=1))
        model = new_lora(model, "policy", target_modules=lora_targets(model, layers=1))
        policy = LMPolicy(model, loaded.tokenizer, adapter="policy")
        config = SFTConfig(lr=1e-2, batch_size=len(notes), micro_batch=len(notes), trunk_cache_mb=trunk_mb,
                           note_dropout=0.0)
        trainer = SFTTrainer(model, loaded.tokenizer, policy, policy_examples, notes, config)
        runs[trunk_mb] = [trainer.step() for _ in range(4)]
    assert "sft/reflector_trunk_hits" not in runs[0][-1]
    assert runs[16][-1]["sft/reflector_trunk_misses"] == len(notes)
    assert runs[16][-1]["sft/reflector_trunk_hits"] == 3 * len(notes)
    full = [m["sft/reflector_loss"] for m in runs[0]]
    cached = [m["sft/reflector_loss"] for m in runs[16]]
    assert cached == pytest.approx(full, abs=2e-3)
    assert cached[-1] < cached[0]
