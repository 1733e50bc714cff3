"""The reflector: a frozen second model that writes a short note before each decision.

In Reflect-RL the reflection model looks at the state and says what the question needs,
what the last step showed and where to go next, or, after a move away from the answer,
why that move was wrong and how to recover. Its note is appended to the policy's prompt.
Here it is a second LoRA adapter on the policy's own frozen base model, any LangChain chat
model, or nothing at all.

:func:`reflection_prompt` and :func:`reflection_chat` are the single source of the
reflector's input text: the SFT code builds its training examples with them, so the text
seen at training and at inference is identical by construction.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from explore.agent.decision import ReflectionKind, Reflector  # noqa: F401  (the contract lives there)
from explore.agent.models import use_adapter
from explore.agent.policy import format_chat, left_pad


ANALYZE_INSTRUCTION = (
    "Before choosing, analyze the situation in at most 50 words: what does the question need, "
    "what did the last action show, and where should the search go next? "
    "If a file already read answers the question, say so. Do not give the choice yet."
)
WRONG_CHOICE_INSTRUCTION = (
    "The last action moved away from the answer: it opened a folder or file that does not hold it. "
    "In at most 50 words, say why that was the wrong choice and how to get back on track. "
    "Do not give the choice yet."
)
_INSTRUCTIONS: dict[str, str] = {"analyze": ANALYZE_INSTRUCTION, "wrong_choice": WRONG_CHOICE_INSTRUCTION}


def reflection_prompt(observation: str, kind: ReflectionKind) -> str:
    """The reflector's user message: the observation followed by the instruction for ``kind``.

    Idempotent (text that already ends with the instruction is returned as is), so a caller
    that builds the prompt itself before calling ``reflect`` cannot end up with it twice.
    """
    try:
        instruction = _INSTRUCTIONS[kind]
    except KeyError:
        raise ValueError(f"unknown reflection kind {kind!r}; expected one of {sorted(_INSTRUCTIONS)}") from None
    text = observation.rstrip()
    return text if text.endswith(instruction) else f"{text}\n\n{instruction}"


def reflection_chat(tokenizer: Any, observation: str, kind: ReflectionKind, *, chat_template: bool = True) -> str:
    """The exact text a :class:`LoRAReflector` feeds its model; SFT appends the target note to it."""
    return format_chat(tokenizer, reflection_prompt(observation, kind), chat_template=chat_template)


class NoReflector:
    """No reflection: the ablation baseline, and the cheapest way to run."""

    def reflect(self, prompts: Sequence[str], *, kind: ReflectionKind) -> list[str]:
        reflection_prompt("", kind)  # same validation of ``kind`` as the real reflectors
        return ["" for _ in prompts]


class LoRAReflector:
    """Greedy short generation through the ``reflector`` LoRA adapter of the shared base model.

    Generation is greedy so that a frozen reflector gives the same note for the same state,
    which keeps RL rollouts reproducible and the policy's input distribution stable.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        adapter: str | None = "reflector",
        max_new_tokens: int = 60,
        *,
        chat_template: bool = True,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.adapter = adapter
        self.max_new_tokens = max_new_tokens
        self.chat_template = chat_template and bool(getattr(tokenizer, "chat_template", None))
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self._pad_id = int(pad if pad is not None else 0)

    def reflect(self, prompts: Sequence[str], *, kind: ReflectionKind) -> list[str]:
        if not prompts:
            return []
        texts = [reflection_chat(self.tokenizer, p, kind, chat_template=self.chat_template) for p in prompts]
        rows = [self.tokenizer(t, add_special_tokens=not self.chat_template)["input_ids"] for t in texts]
        ids, mask = left_pad(rows, self._pad_id)
        import torch

        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode(), use_adapter(self.model, self.adapter):
                out = self.model.generate(
                    input_ids=ids, attention_mask=mask, max_new_tokens=self.max_new_tokens, do_sample=False,
                    pad_token_id=self._pad_id, eos_token_id=self.tokenizer.eos_token_id,
                )
        finally:
            self.model.train(was_training)
        new = out[:, ids.shape[1]:]
        return [self.tokenizer.decode(row, skip_special_tokens=True).strip() for row in new]


class ChatModelReflector:
    """Reflections from any LangChain chat model (a local one, or a hosted teacher).

    Messages are passed as ``(role, text)`` tuples, which every ``BaseChatModel`` accepts,
    so this module needs no LangChain import of its own.
    """

    def __init__(self, chat_model: Any, *, system: str | None = None) -> None:
        self.chat_model = chat_model
        self.system = system

    def reflect(self, prompts: Sequence[str], *, kind: ReflectionKind) -> list[str]:
        if not prompts:
            return []
        head = [("system", self.system)] if self.system else []
        batch = [[*head, ("human", reflection_prompt(p, kind))] for p in prompts]
        return [_message_text(m).strip() for m in self.chat_model.batch(batch)]


def _message_text(message: Any) -> str:
    """Plain text of a chat reply whose content may be a string or a list of content blocks."""
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)
