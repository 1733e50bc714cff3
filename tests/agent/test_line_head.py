"""The ``line`` head: each action scored at the end of its own listing line."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from explore.agent.models import TINY_RANDOM, LoadedModel, new_lora, resolve_model
from explore.agent.policy import ActionLineError, LMPolicy
from explore.agent.prompt import policy_prefix, policy_prompt
from explore.training.sft import adapter_params, lora_targets

LETTERS = "ABCDEFGH"
FILES = ["cli.py", "core.py", "utils.py", "parse.py", "net.py", "io.py", "log.py", "db.py"]


def observation(marked: int, n: int = 5, seed: int = 0) -> tuple[str, list[str]]:
    """A navigator-shaped observation listing ``n`` reads, line ``marked`` defining the asked-for name."""
    rng = random.Random(seed)
    names = rng.sample(FILES, n)
    lines = [f"{LETTERS[i]}. read src/{name}  (match #{i + 1}, code{', defines load_config' if i == marked else ''})"
             for i, name in enumerate(names)]
    obs = "\n".join(["Question: Which file defines `load_config`?", "You are in: /", "Steps so far: (none)",
                     "Last result:", "(start of the walk)", "Actions:", *lines])
    return obs, list(LETTERS[:n])


@pytest.fixture()
def tiny(tiny_cache: Path) -> LoadedModel:
    return resolve_model(TINY_RANDOM, cache_dir=tiny_cache)


def test_each_action_is_scored_at_the_end_of_its_line(tiny: LoadedModel) -> None:
    policy = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, head="line")
    obs, labels = observation(2)
    prompt = policy_prompt(obs, "the third file defines it")
    head, tail, _, text = policy.layout.split_text(prompt, policy_prefix(obs))
    ends = policy.layout.line_ends(text, tail, labels, specials=False)
    assert ends == sorted(ends) and len(set(ends)) == len(labels)
    for end, line in zip(ends, obs.split("Actions:\n")[1].splitlines()):
        upto = tiny.tokenizer.decode(tail[: end + 1])
        assert upto.rstrip().endswith(line.rstrip()[-3:])  # the line's last characters, and nothing of the next
        assert line in upto
    with pytest.raises(ActionLineError, match="label 'F'"):
        policy.layout.line_ends(text, tail, [*labels, "F"], specials=False)



def test_a_note_echoing_the_listing_leaves_each_action_at_its_own_line(tiny: LoadedModel) -> None:
    """A reflector one SFT step old echoed the observation: `explore ask --adapter DIR --reflector
    lora` stopped with a traceback ("no listing line for label 'C'"), its note's copy of the
    listing taken for the listing. A note is one line of the prompt."""
    policy = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, head="line")
    obs, labels = observation(2)
    note = "The request line is parsed in the repository root /\nActions:\nA. read src/cli.py  (match #1, sc"
    prompt = policy_prompt(obs, note)
    assert "Reflection: The request line is parsed in the repository root / Actions: A. read" in prompt
    head, tail, _, text = policy.layout.split_text(prompt, policy_prefix(obs))
    ends = policy.layout.line_ends(text, tail, labels, specials=False)
    for end, line in zip(ends, obs.split("Actions:\n")[1].splitlines()):
        assert tiny.tokenizer.decode(tail[: end + 1]).rstrip().endswith(line.rstrip()[-3:])
    (decision,) = policy.decide([prompt], [labels], greedy=True, prefix=policy_prefix(obs))
    assert len(decision.probs) == len(labels)

def test_line_head_decisions_are_consistent(tiny: LoadedModel) -> None:
    """Batched, one by one, with and without the prefix cache: the same distribution."""
    policy = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, head="line")
    uncached = LMPolicy(tiny.model, tiny.tokenizer, adapter=None, head="line", prefix_cache_size=0)
    cases = [observation(i, n=3 + i, seed=i) for i in range(3)]
    prompts = [policy_prompt(o) for o, _ in cases]
    labels = [labs for _, labs in cases]
    prefixes = [policy_prefix(o) for o, _ in cases]
    batched = policy.decide(prompts, labels, greedy=True, prefix=prefixes)
    for d, p, labs, pre in zip(batched, prompts, labels, prefixes):
        assert len(d.probs) == len(labs) and sum(d.probs) == pytest.approx(1.0, abs=1e-5)
        (one,) = uncached.decide([p], [labs], greedy=True, prefix=pre)
        assert torch.allclose(torch.tensor(d.probs), torch.tensor(one.probs), atol=1e-4)
    assert len(set(tuple(round(x, 3) for x in d.probs) for d in batched)) == 3


def test_line_head_logprobs_match_decide_and_train_through_the_trunk(tiny: LoadedModel) -> None:
    torch.manual_seed(0)
    model = new_lora(tiny, "policy", target_modules=lora_targets(tiny.model, layers=1))
    with torch.no_grad():
        for p in adapter_params(model, "policy"):
            p.normal_(0, 0.1)
    policy = LMPolicy(model, tiny.tokenizer, adapter="policy", head="line")
    cases = [observation(i, seed=i) for i in range(4)]
    prompts, labels = [policy_prompt(o) for o, _ in cases], [labs for _, labs in cases]
    prefixes = [policy_prefix(o) for o, _ in cases]
    decisions = policy.decide(prompts, labels, greedy=True, prefix=prefixes)
    chosen = [d.index for d in decisions]
    logp, _ = policy.logprobs(prompts, labels, chosen, prefix=prefixes)
    assert torch.allclose(logp.detach(), torch.tensor([d.logprob for d in decisions]), atol=1e-4)
    assert policy.use_trunk(16, half=False) is not None
    again, _ = policy.logprobs(prompts, labels, chosen, prefix=prefixes)
    cached, _ = policy.logprobs(prompts, labels, chosen, prefix=prefixes)
    assert policy.trunk.enabled and policy.trunk.hits == len(prompts)
    assert torch.allclose(again, logp, atol=1e-5) and torch.allclose(cached, logp, atol=1e-5)
    cached.sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in adapter_params(model, "policy"))


def test_line_head_learns_to_pick_the_line_whose_features_match(tiny: LoadedModel) -> None:
    """A learning test that can fail: which of five reads defines the asked-for name moves
    from question to question; after SFT the line head picks it on questions it never saw."""
    torch.manual_seed(0)
    model = new_lora(tiny, "policy", r=8, alpha=16)
    policy = LMPolicy(model, tiny.tokenizer, adapter="policy", head="line")
    rng = random.Random(0)
    train = [observation(rng.randrange(5), seed=100 + i) + (None,) for i in range(20)]
    held = [observation(rng.randrange(5), seed=500 + i) + (None,) for i in range(20)]

    def batch(cases):
        prompts = [policy_prompt(o) for o, _, _ in cases]
        labels = [labs for _, labs, _ in cases]
        gold = [next(i for i, line in enumerate(o.split("Actions:\n")[1].splitlines()) if "defines" in line)
                for o, _, _ in cases]
        return prompts, labels, gold

    prompts, labels, gold = batch(train)
    optimizer = torch.optim.Adam(adapter_params(model, "policy"), lr=1e-2)
    model.train()
    for _ in range(40):
        logp, _ = policy.logprobs(prompts, labels, gold)
        optimizer.zero_grad()
        (-logp.mean()).backward()
        optimizer.step()
    model.eval()
    prompts, labels, gold = batch(held)
    picked = [d.index for d in policy.decide(prompts, labels, greedy=True)]
    accuracy = sum(p == g for p, g in zip(picked, gold)) / len(gold)
    assert accuracy >= 0.9, (picked, gold)
