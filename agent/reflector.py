"""The reflector: a frozen second model that writes a short note before each decision.

In Reflect-RL the reflection model looks at the state and says what the question needs,
what the last step showed and where to go next, or, after a move away from the answer,
why that move was wrong and how to recover. Its note is appended to the policy's prompt.
Here it is a second LoRA adapter on the policy's own frozen base model, any LangChain chat
model, or nothing at all.

:func:`reflection_prompt` and :func:`reflection_chat` (in :mod:`explore.agent.prompt`, which
the numpy runtime's reflector also reads) are the single source of the reflector's input
text: the SFT code builds its training examples with them, so the text seen at training and
at inference is identical by construction.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from explore.agent.decision import ReflectionKind, Reflector  # noqa: F401  (the contract lives there)
from explore.agent.models import use_adapter
from explore.agent.encoding import on_device
from explore.agent.policy import left_pad
from explore.agent.prompt import (  # noqa: F401  (the reflector's text lives beside the policy's)
    ANALYZE_INSTRUCTION,
    WRONG_CHOICE_INSTRUCTION,
    reflection_chat,
    reflection_prompt,
)


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
                    **on_device(self.model, {"input_ids": ids, "attention_mask": mask}),
                    max_new_tokens=self.max_new_tokens, do_sample=False,
                    pad_token_id=self._pad_id, eos_token_id=self.tokenizer.eos_token_id,
                )
        finally:
            self.model.train(was_training)
        new = out[:, ids.shape[1]:].cpu()
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
        return [message_text(m).strip() for m in self.chat_model.batch(batch)]


def message_text(message: Any) -> str:
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
