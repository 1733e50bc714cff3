"""Reflectors: the LoRA reflector on the tiny model, a LangChain chat model, and none."""
from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage

from explore.agent.models import TINY_RANDOM, LoadedModel, new_lora, resolve_model
from explore.agent.policy import LMPolicy, format_chat
from explore.agent.reflector import (
    ANALYZE_INSTRUCTION,
    WRONG_CHOICE_INSTRUCTION,
    ChatModelReflector,
    LoRAReflector,
    NoReflector,
    Reflector,
    message_text,
    reflection_chat,
    reflection_prompt,
)

OBSERVATIONS = [
    "Question: where is the retry back-off computed?\nYou are in /.\nA. cd src/\nB. read setup.py",
    "Question: which file defines the CLI?\nYou are in docs/.\nLast action: read docs/index.md\nA. cd ..",
]


@pytest.fixture()
def tiny(tiny_cache: Path) -> LoadedModel:
    return resolve_model(TINY_RANDOM, cache_dir=tiny_cache)


def test_reflection_prompt_is_observation_then_instruction() -> None:
    analyze = reflection_prompt(OBSERVATIONS[0], "analyze")
    wrong = reflection_prompt(OBSERVATIONS[0], "wrong_choice")
    assert analyze.startswith(OBSERVATIONS[0]) and analyze.endswith(ANALYZE_INSTRUCTION)
    assert wrong.endswith(WRONG_CHOICE_INSTRUCTION) and wrong != analyze
    assert reflection_prompt(analyze, "analyze") == analyze  # idempotent
    with pytest.raises(ValueError, match="unknown reflection kind"):
        reflection_prompt(OBSERVATIONS[0], "praise")  # type: ignore[arg-type]


def test_reflection_chat_is_what_the_model_sees(tiny: LoadedModel) -> None:
    text = reflection_chat(tiny.tokenizer, OBSERVATIONS[0], "analyze")
    assert text == format_chat(tiny.tokenizer, reflection_prompt(OBSERVATIONS[0], "analyze"))
    assert text.endswith("<|im_start|>assistant\n")


def test_lora_reflector_writes_short_deterministic_notes(tiny: LoadedModel) -> None:
    model = new_lora(tiny, "policy")
    model = new_lora(model, "reflector")
    model.set_adapter("policy")
    reflector = LoRAReflector(model, tiny.tokenizer, max_new_tokens=12)
    assert isinstance(reflector, Reflector)
    notes = reflector.reflect(OBSERVATIONS, kind="analyze")
    assert len(notes) == 2 and all(isinstance(n, str) for n in notes)
    for note in notes:
        assert len(tiny.tokenizer.encode(note, add_special_tokens=False)) <= 12
    assert reflector.reflect(OBSERVATIONS, kind="analyze") == notes  # greedy: same state, same note
    single = [reflector.reflect([o], kind="analyze")[0] for o in OBSERVATIONS]
    assert single == notes  # left padding does not change the batch's notes
    assert reflector.reflect([], kind="wrong_choice") == []
    assert model.active_adapter == "policy"  # the policy is still the one being trained
    assert all(p.requires_grad for n, p in model.named_parameters() if ".policy." in n)
    assert not any(p.requires_grad for n, p in model.named_parameters() if ".reflector." in n)


def test_reflector_and_policy_share_one_base(tiny: LoadedModel) -> None:
    model = new_lora(new_lora(tiny, "policy"), "reflector")
    reflector = LoRAReflector(model, tiny.tokenizer, max_new_tokens=5)
    policy = LMPolicy(model, tiny.tokenizer)
    note = reflector.reflect(OBSERVATIONS[:1], kind="wrong_choice")[0]
    decision = policy.decide([OBSERVATIONS[0] + f"\nReflection: {note}\nThe best action is letter:"], [["A", "B"]],
                             greedy=True)[0]
    assert decision.label in ("A", "B")
    assert sum(p.numel() for p in model.parameters()) < 2 * sum(p.numel() for p in tiny.model.parameters())


def test_chat_model_reflector() -> None:
    chat = FakeListChatModel(responses=["  Go into src/: retry logic lives in code, not docs. ", "Step back."])
    reflector = ChatModelReflector(chat, system="You advise an agent exploring a repository.")
    assert isinstance(reflector, Reflector)
    assert reflector.reflect(OBSERVATIONS, kind="analyze") == [
        "Go into src/: retry logic lives in code, not docs.", "Step back."
    ]
    assert reflector.reflect([], kind="analyze") == []


def test_chat_reply_content_blocks_become_text() -> None:
    reply = AIMessage(content=[{"type": "text", "text": "Read "}, "retry.py", {"type": "image", "url": "x"}])
    assert message_text(reply) == "Read retry.py"


def test_no_reflector() -> None:
    assert NoReflector().reflect(OBSERVATIONS, kind="analyze") == ["", ""]
    assert isinstance(NoReflector(), Reflector)
    with pytest.raises(ValueError):
        NoReflector().reflect(OBSERVATIONS, kind="nonsense")  # type: ignore[arg-type]
