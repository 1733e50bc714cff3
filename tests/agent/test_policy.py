"""The label-logit policy on the tiny random model, plus the scripted and random policies."""
from __future__ import annotations

import string
from pathlib import Path

import pytest
import torch

from explore.agent.models import TINY_RANDOM, AdapterNotFound, LoadedModel, new_lora, resolve_model
from explore.agent.policy import (
    Decision,
    LabelTokenError,
    LMPolicy,
    Policy,
    RandomPolicy,
    ScriptedPolicy,
    ScriptError,
    format_chat,
)

PREFIX = "You explore a code repository.\n\nQuestion: where is the retry back-off computed?\n"
PROMPTS = [
    PREFIX + "You are in /.\nA. cd src/\nB. cd docs/\nC. read setup.py\nThe best action is letter:",
    PREFIX + "You are in src/.\nA. cd ..\nB. read src/retry.py\nThe best action is letter:",
    PREFIX + "You are in docs/.\nA. cd ..\nB. read docs/index.md\nC. read docs/api.md\nD. ls\n"
    "Reflection: the docs will not compute anything.\nThe best action is letter:",
]
LABELS = [["A", "B", "C"], ["A", "B"], ["A", "B", "C", "D"]]


@pytest.fixture()
def tiny(tiny_cache: Path) -> LoadedModel:
    return resolve_model(TINY_RANDOM, cache_dir=tiny_cache)


@pytest.fixture()
def policy(tiny: LoadedModel) -> LMPolicy:
    return LMPolicy(tiny.model, tiny.tokenizer, adapter=None)


def probs(decisions: list[Decision]) -> list[torch.Tensor]:
    return [torch.tensor(d.probs) for d in decisions]


def test_probabilities_cover_exactly_the_valid_labels(policy: LMPolicy) -> None:
    decisions = policy.decide(PROMPTS, LABELS, greedy=True)
    for d, labels in zip(decisions, LABELS):
        assert len(d.probs) == len(labels)
        assert sum(d.probs) == pytest.approx(1.0, abs=1e-5)
        assert d.label in labels and labels[d.index] == d.label
        assert d.logprob == pytest.approx(float(torch.tensor(d.probs[d.index]).log()), abs=1e-5)
        p = torch.tensor(d.probs)
        assert d.entropy == pytest.approx(float(-(p * p.log()).sum()), abs=1e-5)


def test_greedy_takes_the_argmax_and_sampling_is_seeded(policy: LMPolicy) -> None:
    for d in policy.decide(PROMPTS, LABELS, greedy=True):
        assert d.index == max(range(len(d.probs)), key=d.probs.__getitem__)
    runs = [
        [d.index for d in policy.decide(PROMPTS * 4, LABELS * 4, generator=torch.Generator().manual_seed(7))]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


def test_batch_equals_one_by_one(policy: LMPolicy) -> None:
    batched = probs(policy.decide(PROMPTS, LABELS, greedy=True))
    single = [probs(policy.decide([p], [l], greedy=True))[0] for p, l in zip(PROMPTS, LABELS)]
    for b, s in zip(batched, single):
        assert torch.allclose(b, s, atol=1e-5)


def test_prefix_cache_gives_the_same_probabilities(tiny: LoadedModel) -> None:
    cached = LMPolicy(tiny.model, tiny.tokenizer, adapter=None)
    uncached = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, prefix_cache_size=0)
    other = "You explore a code repository.\n\nQuestion: which file defines the CLI?\n"
    prompts = [*PROMPTS, other + "A. cd src/\nB. read cli.py\nThe best action is letter:"]
    labels = [*LABELS, ["A", "B"]]
    prefixes = [PREFIX] * 3 + [other]
    with_cache = probs(cached.decide(prompts, labels, greedy=True, prefix=prefixes))
    assert len(cached._prefix_kv) == 2  # one entry per distinct prefix
    again = probs(cached.decide(prompts, labels, greedy=True, prefix=prefixes))  # served from cache
    without = probs(uncached.decide(prompts, labels, greedy=True, prefix=prefixes))
    for a, b, c in zip(with_cache, again, without):
        assert torch.allclose(a, c, atol=1e-4) and torch.allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError, match="does not start with its prefix"):
        cached.decide(PROMPTS[:1], LABELS[:1], prefix="something else")


def test_prefix_cache_notices_weight_changes(tiny: LoadedModel) -> None:
    policy = LMPolicy(tiny.model, tiny.tokenizer, adapter=None)
    before = probs(policy.decide(PROMPTS[:1], LABELS[:1], greedy=True, prefix=PREFIX))[0]
    with torch.no_grad():
        for p in tiny.model.model.layers[0].parameters():
            p.mul_(1.5)
    after = probs(policy.decide(PROMPTS[:1], LABELS[:1], greedy=True, prefix=PREFIX))[0]
    fresh = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, prefix_cache_size=0)
    expected = probs(fresh.decide(PROMPTS[:1], LABELS[:1], greedy=True, prefix=PREFIX))[0]
    assert not torch.allclose(before, after)
    assert torch.allclose(after, expected, atol=1e-4)


def test_logprobs_are_differentiable_and_match_decide(tiny: LoadedModel) -> None:
    model = new_lora(tiny, "policy")
    policy = LMPolicy(model, tiny.tokenizer, adapter="policy")
    decisions = policy.decide(PROMPTS, LABELS, greedy=True, prefix=PREFIX)
    chosen = [d.index for d in decisions]
    logp, entropy = policy.logprobs(PROMPTS, LABELS, chosen, prefix=PREFIX)
    assert logp.shape == entropy.shape == (len(PROMPTS),)
    assert logp.requires_grad and entropy.requires_grad
    assert torch.allclose(logp.detach(), torch.tensor([d.logprob for d in decisions]), atol=1e-4)
    assert torch.allclose(entropy.detach(), torch.tensor([d.entropy for d in decisions]), atol=1e-4)
    (-logp.sum() - 0.01 * entropy.sum()).backward()
    lora_grads = [p.grad for n, p in model.named_parameters() if "lora_" in n]
    assert lora_grads and all(g is not None for g in lora_grads)
    assert all(torch.isfinite(g).all() for g in lora_grads)  # padding must not leak NaNs
    assert any(g.abs().sum() > 0 for g in lora_grads)
    assert all(p.grad is None for n, p in model.named_parameters() if "lora_" not in n)  # base stays frozen


def test_a_few_sft_steps_make_the_target_label_most_likely(tiny: LoadedModel) -> None:
    """The gradient path end to end: LoRA on the label logits learns to prefer a label."""
    torch.manual_seed(0)
    model = new_lora(tiny, "policy", r=8, alpha=16)
    policy = LMPolicy(model, tiny.tokenizer, adapter="policy")
    target = [2, 1, 3]  # C, B, D
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-2)
    model.train()
    for _ in range(25):
        logp, _ = policy.logprobs(PROMPTS, LABELS, target, prefix=PREFIX)
        loss = -logp.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    decisions = policy.decide(PROMPTS, LABELS, greedy=True, prefix=PREFIX)
    assert [d.index for d in decisions] == target
    assert all(d.probs[d.index] > 0.5 for d in decisions)


def test_label_token_follows_the_chat_template(tiny: LoadedModel) -> None:
    text = format_chat(tiny.tokenizer, PROMPTS[0])
    assert text.endswith("<|im_start|>assistant\n")
    ids = tiny.tokenizer(text, add_special_tokens=False)["input_ids"]
    with_label = tiny.tokenizer(text + "B", add_special_tokens=False)["input_ids"]
    assert with_label[:-1] == ids and len(with_label) == len(ids) + 1


def test_without_chat_template_labels_get_a_leading_space(tiny: LoadedModel) -> None:
    policy = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, chat_template=False)
    d = policy.decide(PROMPTS[:1], LABELS[:1], greedy=True)[0]
    assert len(d.probs) == 3
    assert policy.layout.label_ids[("A", False)] == tiny.tokenizer.encode(" A", add_special_tokens=False)[0]


def test_bad_labels_are_refused(policy: LMPolicy) -> None:
    with pytest.raises(LabelTokenError, match="single tokens"):
        policy.decide(PROMPTS[:1], [["A", "cd src/ and read"]])
    with pytest.raises(LabelTokenError, match="duplicate"):
        policy.decide(PROMPTS[:1], [["A", "A"]])
    with pytest.raises(ValueError, match="2 prompts but 1 label lists"):
        policy.decide(PROMPTS[:2], LABELS[:1])


def test_all_26_letters_are_usable_labels(policy: LMPolicy) -> None:
    d = policy.decide(PROMPTS[:1], [list(string.ascii_uppercase)], greedy=True)[0]
    assert len(d.probs) == 26 and sum(d.probs) == pytest.approx(1.0, abs=1e-5)


def test_autocast_bf16_stays_close(tiny: LoadedModel) -> None:
    fp32 = probs(LMPolicy(tiny.model, tiny.tokenizer, adapter=None).decide(PROMPTS, LABELS, greedy=True))
    bf16 = probs(LMPolicy(tiny.model, tiny.tokenizer, adapter=None, autocast=True).decide(PROMPTS, LABELS, greedy=True))
    for a, b in zip(fp32, bf16):
        assert torch.allclose(a, b, atol=0.05)


def test_named_adapter_needs_adapters(tiny: LoadedModel) -> None:
    with pytest.raises(AdapterNotFound, match="adapter=None"):
        LMPolicy(tiny.model, tiny.tokenizer).decide(PROMPTS[:1], LABELS[:1])


def test_scripted_policy_plays_its_script() -> None:
    scripted = ScriptedPolicy(["B", "A"])
    assert isinstance(scripted, Policy)
    first, second = scripted.decide(PROMPTS[:2], LABELS[:2])
    assert (first.label, first.index, first.probs) == ("B", 1, [0.0, 1.0, 0.0])
    assert (second.label, second.logprob, second.entropy) == ("A", 0.0, 0.0)
    with pytest.raises(ScriptError, match="exhausted"):
        scripted.decide(PROMPTS[:1], LABELS[:1])
    with pytest.raises(ScriptError, match="not among the valid labels"):
        ScriptedPolicy(["Z"]).decide(PROMPTS[:1], LABELS[:1])
    by_rule = ScriptedPolicy(lambda prompt, labels: labels[-1])
    assert [d.label for d in by_rule.decide(PROMPTS, LABELS)] == ["C", "B", "D"]


def test_random_policy_is_uniform_and_seeded() -> None:
    a = [d.index for d in RandomPolicy(seed=3).decide(PROMPTS * 5, LABELS * 5)]
    b = [d.index for d in RandomPolicy(seed=3).decide(PROMPTS * 5, LABELS * 5)]
    assert a == b and len(set(a)) > 1
    d = RandomPolicy().decide(PROMPTS[:1], LABELS[:1])[0]
    assert d.probs == pytest.approx([1 / 3] * 3) and d.entropy == pytest.approx(torch.log(torch.tensor(3.0)).item())
    assert isinstance(RandomPolicy(), Policy) and isinstance(LMPolicy, type)
