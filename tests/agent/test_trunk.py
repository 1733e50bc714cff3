"""The frozen trunk: cached lower-block states give the same log-probs and gradients as the
whole model, are reused, and are refused where they would be wrong."""
from __future__ import annotations

from pathlib import Path

import torch

from explore.agent.models import TINY_RANDOM, new_lora, resolve_model
from explore.agent.policy import LMPolicy
from explore.agent.trunk import FrozenTrunk, lowest_adapted_block
from explore.training.sft import adapter_params, lora_targets

PREFIX = "You explore a code repository.\n\nQuestion: where is the retry back-off computed?\n"
PROMPTS = [
    PREFIX + "You are in /.\nA. cd src/\nB. cd docs/\nC. read setup.py\nThe best action is letter:",
    PREFIX + "You are in src/.\nA. cd ..\nB. read src/retry.py\nThe best action is letter:",
    "A much shorter prompt.\nA. ls\nB. read x.py\nC. cd y/\nThe best action is letter:",
]
LABELS = [["A", "B", "C"], ["A", "B"], ["A", "B", "C"]]
CHOSEN = [2, 1, 0]


def adapted(tiny_cache: Path, layers: int | None) -> LMPolicy:
    """tiny-random (2 blocks) with a policy LoRA on its top ``layers`` blocks, B matrices nonzero."""
    loaded = resolve_model(TINY_RANDOM, cache_dir=tiny_cache)
    torch.manual_seed(0)
    model = new_lora(loaded, "policy", target_modules=lora_targets(loaded.model, layers))
    with torch.no_grad():  # a fresh LoRA is the identity; make it change the output
        for p in adapter_params(model, "policy"):
            p.normal_(0, 0.2)
    return LMPolicy(model, loaded.tokenizer, adapter="policy")


def loss_and_grads(policy: LMPolicy) -> tuple[torch.Tensor, list[torch.Tensor]]:
    params = adapter_params(policy.model, "policy")
    for p in params:
        p.grad = None
    logp, entropy = policy.logprobs(PROMPTS, LABELS, CHOSEN, prefix=[PREFIX, PREFIX, None])
    (-(logp.sum()) - 0.1 * entropy.sum()).backward()
    return logp.detach(), [p.grad.clone() for p in params if p.grad is not None]


def test_trunk_gives_the_whole_models_logprobs_and_gradients(tiny_cache: Path) -> None:
    policy = adapted(tiny_cache, layers=1)
    want, want_grads = loss_and_grads(policy)
    trunk = policy.use_trunk(64, half=False)
    assert trunk is not None and trunk.split == 1
    got, got_grads = loss_and_grads(policy)
    assert torch.allclose(got, want, atol=1e-5), (got, want)
    assert len(got_grads) == len(want_grads) > 0
    for g, w in zip(got_grads, want_grads):
        assert torch.allclose(g, w, atol=1e-5, rtol=1e-4)
    assert trunk.misses == 3 and trunk.hits == 0
    again, _ = loss_and_grads(policy)  # a second pass runs only the adapted block
    assert trunk.hits == 3 and trunk.misses == 3
    assert torch.allclose(again, got)
    policy.use_trunk(64)  # the default keeps states as float16: close, at half the memory
    half, _ = loss_and_grads(policy)
    assert torch.allclose(half, want, atol=1e-2)


def test_the_trunk_follows_the_adapter_as_it_trains(tiny_cache: Path) -> None:
    policy = adapted(tiny_cache, layers=1)
    policy.use_trunk(64, half=False)
    before, _ = loss_and_grads(policy)
    with torch.no_grad():
        for p in adapter_params(policy.model, "policy"):
            p.add_(0.3)
    moved, _ = loss_and_grads(policy)  # served from the cache, yet the new weights count
    policy.use_trunk(0)
    exact, _ = loss_and_grads(policy)
    assert not torch.allclose(moved, before)
    assert torch.allclose(moved, exact, atol=1e-5)


def test_no_trunk_when_the_lowest_block_is_adapted(tiny_cache: Path) -> None:
    policy = adapted(tiny_cache, layers=None)
    assert lowest_adapted_block(policy.model, "policy") == 0
    assert policy.use_trunk(64) is None
    assert policy.trunk is None


def test_cache_is_bounded(tiny_cache: Path) -> None:
    policy = adapted(tiny_cache, layers=1)
    trunk = policy.use_trunk(64)
    assert trunk is not None
    trunk.max_bytes = 1  # smaller than any entry: only the batch in use is kept
    loss_and_grads(policy)
    assert len(trunk._cache) == len(PROMPTS)
    policy.logprobs(["Another prompt.\nA. ls\nB. cd x/\nThe best action is letter:"], [["A", "B"]], [0])
    assert len(trunk._cache) == 1


def test_a_trunk_that_disagrees_with_the_model_switches_off(tiny_cache: Path) -> None:
    """The first use is checked against the full forward; stale or wrong states are never used."""
    policy = adapted(tiny_cache, layers=1)
    want, _ = loss_and_grads(policy)
    trunk = FrozenTrunk(policy.model, "policy", 64)
    rows = [policy.layout.split(p, pre)[0] + policy.layout.split(p, pre)[1] for p, pre in zip(PROMPTS, [PREFIX, PREFIX, None])]
    trunk._fill(rows, policy._pad_id)
    for key in trunk._cache:  # states from some other model
        trunk._cache[key] = torch.randn_like(trunk._cache[key].float()).to(trunk._cache[key].dtype)
    policy.trunk = trunk
    got, _ = loss_and_grads(policy)
    assert not trunk.enabled
    assert torch.allclose(got, want, atol=1e-5)


def test_models_without_rotary_positions_get_no_trunk(tiny_cache: Path) -> None:
    """A GPT-2 adds its position embeddings to ``inputs_embeds``: cached states would get them twice."""
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=300))
    model = new_lora(model, "policy", target_modules=["c_attn"])
    assert not FrozenTrunk(model, "policy", 64).enabled
