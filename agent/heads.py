"""The scoring heads: where, in a prompt's tokens, each listed action's score is read.

Two *heads* read one forward pass. ``label`` (the paper's): the logits of the label
tokens after the prompt. ``line``: each action's score is read at the end of its own line
of the listing (the logit of one fixed token there), so what decides an action (its
features, its name) sits next to where it is scored instead of having to be matched to a
letter at the end of the prompt. Measured on the navigator's corpus: after 2,000 SFT
examples the label head still picked the first candidate for 98 of 100 held-out questions
(its probability of "A" was the prior, 0.49), whatever the features said.

:class:`HeadLayout` turns prompts into token ids split at their cacheable prefix and says
what scores each label: token ids (``label``) or positions (``line``). It is pure
tokenizer work, no tensors, so the transformers policy (:mod:`explore.agent.policy`) and
the numpy runtime (:mod:`explore.agent.runtime`) read the very same tokens and positions.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

from .decision import LabelTokenError, Prefix, prefixes
from .encoding import format_chat

#: The ways a policy scores the listed actions (see the module docstring).
HEADS = ("label", "line")

#: Fewest leading tokens shared with a cached prefix worth continuing from (see :func:`longest_stem`).
MIN_STEM_TOKENS = 8

Split = tuple[list[int], list[int], bool, str]
"""A prompt's (prefix ids, rest ids, whether a label follows whitespace, text of the rest)."""


class ActionLineError(ValueError):
    """The ``line`` head found no listing line for a label (``A. ...`` under ``Actions:``)."""


def longest_stem(cached: Iterable[tuple[Sequence[int], Any]], head: Sequence[int]) -> tuple[Any, int]:
    """Of ``(tokens, key/values)`` pairs, the one sharing the most leading tokens with ``head``
    and how many (at most ``len(head) - 1``: a continuation needs a token of its own)."""
    best, shared = None, 0
    for tokens, past in cached:
        n = next((i for i, (a, b) in enumerate(zip(tokens, head)) if a != b), min(len(tokens), len(head)))
        if n > shared:
            best, shared = past, n
    return best, min(shared, len(head) - 1)


class HeadLayout:
    """A tokenizer, the chat format and a head: how prompts become ids and where labels score.

    ``chat_template`` wraps each prompt as a user turn when the tokenizer has a template.
    """

    def __init__(self, tokenizer: Any, *, chat_template: bool = True, head: str = "label") -> None:
        if head not in HEADS:
            raise ValueError(f"unknown policy head {head!r}; choose from {', '.join(HEADS)}")
        self.tokenizer = tokenizer
        self.head = head
        self.chat_template = chat_template and bool(getattr(tokenizer, "chat_template", None))
        self.label_ids: dict[tuple[str, bool], int] = {}
        #: The token whose logit at the end of an action's line is that action's score (``line`` head).
        self.score_id = int(tokenizer.encode(" yes", add_special_tokens=False)[0])

    def ids(self, text: str, specials: bool) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=specials)["input_ids"])

    def split(self, prompt: str, prefix: str | None) -> tuple[list[int], list[int], bool]:
        """Token ids of (prefix part, rest) and whether the label follows whitespace."""
        head, tail, after_space, _ = self.split_text(prompt, prefix)
        return head, tail, after_space

    def split_text(self, prompt: str, prefix: str | None) -> Split:
        """As :meth:`split`, plus the text the rest's ids were tokenized from."""
        text = format_chat(self.tokenizer, prompt, chat_template=self.chat_template)
        specials = not self.chat_template  # a chat template already spells out special tokens
        after_space = not text or text[-1].isspace()
        cut = -1
        if prefix:
            if not prompt.startswith(prefix):
                raise ValueError(f"prompt does not start with its prefix: {prefix[:60]!r}...")
            start = text.find(prompt)
            cut = start + len(prefix) if start >= 0 else -1
        if cut <= 0:
            return [], self.ids(text, specials), after_space, text
        head, tail = self.ids(text[:cut], specials), self.ids(text[cut:], False)
        if not tail:  # the forward pass needs at least one new token to score from
            return head[:-1], head[-1:], after_space, ""
        return head, tail, after_space, text[cut:]

    def line_ends(self, text: str, ids: Sequence[int], labels: Sequence[str], specials: bool) -> list[int]:
        """Index in ``ids`` (tokenized from ``text``) of the last token of each label's listing line."""
        enc = self.tokenizer(text, add_special_tokens=specials, return_offsets_mapping=True)
        if list(enc["input_ids"]) != list(ids):
            raise ActionLineError("the prompt tokenizes differently with offsets; cannot place action lines")
        starts = [start for start, _end in enc["offset_mapping"]]
        pos = text.rfind("\nActions:\n")
        if pos < 0:
            raise ActionLineError("the prompt has no 'Actions:' listing for the line head to score")
        out = []
        for label in labels:
            found = text.find(f"\n{label}. ", pos)
            if found < 0:
                raise ActionLineError(f"no listing line for label {label!r} in the prompt")
            end = text.find("\n", found + 1)
            end = len(text) if end < 0 else end
            out.append(bisect.bisect_left(starts, end) - 1)  # the last token starting before the line ends
            pos = end
        return out

    def label_id(self, label: str, after_space: bool) -> int:
        """The one token id of ``label`` where it would follow the prompt."""
        key = (label, after_space)
        if key not in self.label_ids:
            piece = label if after_space else " " + label
            ids = self.tokenizer.encode(piece, add_special_tokens=False)
            if len(ids) != 1:
                raise LabelTokenError(
                    f"label {label!r} is {len(ids)} tokens ({piece!r} -> {ids}) for this tokenizer; "
                    "labels must be single tokens, e.g. the letters A-Z"
                )
            self.label_ids[key] = ids[0]
        return self.label_ids[key]

    def picks(self, prompts: Sequence[str], labels: Sequence[Sequence[str]], prefix: Prefix, *, trim: bool
              ) -> tuple[list[Split], list[list[int]]]:
        """Each prompt split at its prefix (:meth:`split_text`), and what scores its labels:
        their token ids (``label`` head) or the positions in its tail of their lines' ends
        (``line`` head; with ``trim`` the tail is cut after the last one: a causal model's
        scores there cannot depend on later tokens, so this only saves time)."""
        splits = [self.split_text(p, pre) for p, pre in zip(prompts, prefixes(prefix, len(prompts)))]
        picks: list[list[int]] = []
        for (head, tail, after_space, text), labs in zip(splits, labels):
            if self.head == "line":
                picks.append(self.line_ends(text, tail, labs, specials=not head and not self.chat_template))
                if trim:
                    tail[max(picks[-1]) + 1:] = []
                continue
            ids = [self.label_id(lab, after_space) for lab in labs]
            if len(set(ids)) != len(ids):
                raise LabelTokenError(f"labels {list(labs)} map to repeated token ids {ids}")
            picks.append(ids)
        return splits, picks
