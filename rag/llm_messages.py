"""Messages and usage in the shape both chat backends send and report (OpenAI-style dicts)."""

from __future__ import annotations

from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata


def role(message: BaseMessage) -> str:
    return {"system": "system", "human": "user", "ai": "assistant"}.get(message.type, "user")


def text(message: BaseMessage) -> str:
    """A message's text (content blocks joined; images and other blocks are not read by these models)."""
    if isinstance(message.content, str):
        return message.content
    return message.text


def to_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": role(m), "content": text(m)} for m in messages]


def stops(own: list[str] | None, call: list[str] | None) -> list[str] | None:
    """The per-call stop sequences, else the model's own (None when neither has any)."""
    return list(call) if call else (list(own) if own else None)


def usage(prompt: int, completion: int) -> UsageMetadata:
    return UsageMetadata(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion)
