"""A message in each channel's shape: a Teams Adaptive Card, Slack blocks, or plain JSON."""

from __future__ import annotations

from typing import Any

from azlab.notify.message import Message

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def teams(message: Message) -> dict[str, Any]:
    """What a Teams Workflows webhook ("post to a channel when a webhook request is
    received") takes: a message whose attachment is an Adaptive Card."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": message.text, "wrap": True},
    ]
    if message.facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in message.facts]}
        )
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": "1.4",
        "body": body,
    }
    if message.links:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": link.title, "url": link.url}
            for link in message.links
        ]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def slack(message: Message) -> dict[str, Any]:
    """What a Slack incoming webhook takes: fallback text and Block Kit blocks."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": message.text}},
    ]
    if message.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in message.facts[:10]
                ],
            }
        )
    if message.links:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": link.title},
                        "url": link.url,
                    }
                    for link in message.links
                ],
            }
        )
    return {"text": f"{message.title}: {message.text}", "blocks": blocks}


def webhook(message: Message) -> dict[str, Any]:
    return {
        "event": message.event,
        "plan": message.plan,
        "title": message.title,
        "text": message.text,
        "facts": dict(message.facts),
        "links": {link.title: link.url for link in message.links},
        **message.data,
    }


FORMATS = {"teams": teams, "slack": slack, "webhook": webhook}


def body_for(kind: str, message: Message) -> dict[str, Any]:
    return FORMATS[kind](message)
