"""X's own GraphQL answers: ``UserTweets`` (the profile timeline) and
``UserByScreenName`` (the profile), as the profile page loads them.

The browser records these JSON responses while it renders the profile
(``Page.responses``); a saved raw answer, or the ``<pre>`` Chromium wraps it
in, is read the same way. Pure functions, no I/O.

Timeline shape: ``data.user.result.timeline[_v2].timeline.instructions[]``;
``TimelinePinEntry.entry`` is the pinned post, ``TimelineAddEntries.entries[]``
holds ``TimelineTimelineItem`` (``content.itemContent.tweet_results.result``)
and modules (``content.items[].item.itemContent...``). A tweet result is a
``Tweet`` or a ``TweetWithVisibilityResults`` wrapping one in ``tweet``;
``legacy`` has ``full_text``, ``created_at`` (``Fri Jul 31 21:34:08 +0000
2026``), ``entities.urls`` (t.co -> ``expanded_url``), ``extended_entities.media``,
``retweeted_status_result`` (a repost) and ``is_quote_status`` with
``quoted_status_result`` (a quote); a long post's full text is in
``note_tweet.note_tweet_results.result.text``. The author's handle is in
``core.user_results.result.core.screen_name`` (2025+) or ``...legacy.screen_name``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from ._session import clean_text, dig

TIMELINE_OPS = ("/UserTweets", "/UserTweetsAndReplies", "/UserMedia")
USER_OPS = ("/UserByScreenName",)


@dataclass
class Tweet:
    id: str
    author: str
    published: datetime | None
    text: str
    media: list[str] = field(default_factory=list)
    pinned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    raw: Any = None


def parse_x_time(value: Any) -> datetime | None:
    """``Fri Jul 31 21:34:08 +0000 2026`` -> aware UTC; None when malformed."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def timeline_instructions(data: Any) -> list[dict] | None:
    """The ``instructions`` of a ``UserTweets`` answer, or None if ``data`` is not one."""
    result = dig(data, "data", "user", "result")
    if not isinstance(result, dict):
        return None
    for key in ("timeline_v2", "timeline"):
        instructions = dig(result, key, "timeline", "instructions")
        if isinstance(instructions, list):
            return [i for i in instructions if isinstance(i, dict)]
    return None


def user_of(data: Any) -> dict | None:
    """The ``UserByScreenName`` result (``{}`` for an unknown user), or None if not one."""
    user = dig(data, "data", "user")
    if isinstance(user, dict) and "result" in user and timeline_instructions(data) is None:
        result = user.get("result")
        return result if isinstance(result, dict) else {}
    if isinstance(dig(data, "data"), dict) and dig(data, "data", "user") in ({}, None) and "errors" not in data:
        return {}
    return None


def _entries(instructions: list[dict]) -> Iterator[tuple[dict, bool]]:
    for ins in instructions:
        if ins.get("type") == "TimelinePinEntry" and isinstance(ins.get("entry"), dict):
            yield ins["entry"], True
        for entry in ins.get("entries") or []:
            if isinstance(entry, dict):
                yield entry, False


def _tweet_results(entry: dict) -> Iterator[Any]:
    content = entry.get("content") or {}
    if not isinstance(content, dict):
        return
    found = dig(content, "itemContent", "tweet_results", "result")
    if found is not None:
        yield found
    for item in content.get("items") or []:
        found = dig(item, "item", "itemContent", "tweet_results", "result")
        if found is not None:
            yield found


def _unwrap(result: Any) -> dict | None:
    if isinstance(result, dict) and result.get("__typename") == "TweetWithVisibilityResults":
        result = result.get("tweet")
    if not isinstance(result, dict) or not isinstance(result.get("legacy"), dict):
        return None  # tombstones, unavailable posts
    return result


def _screen_name(result: dict) -> str:
    user = dig(result, "core", "user_results", "result") or {}
    name = dig(user, "core", "screen_name") or dig(user, "legacy", "screen_name")
    return name if isinstance(name, str) else ""


def _text(result: dict) -> str:
    legacy = result["legacy"]
    text = dig(result, "note_tweet", "note_tweet_results", "result", "text")
    if not isinstance(text, str):
        text = legacy.get("full_text") if isinstance(legacy.get("full_text"), str) else ""
    for url in dig(legacy, "entities", "urls") or []:
        short, full = dig(url, "url"), dig(url, "expanded_url")
        if isinstance(short, str) and isinstance(full, str) and short:
            text = text.replace(short, full)
    for media in dig(legacy, "extended_entities", "media") or dig(legacy, "entities", "media") or []:
        short = dig(media, "url")
        if isinstance(short, str) and short:
            text = text.replace(short, "")
    return clean_text(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def _media(result: dict) -> list[str]:
    legacy = result["legacy"]
    out = []
    for media in dig(legacy, "extended_entities", "media") or dig(legacy, "entities", "media") or []:
        url = dig(media, "media_url_https")
        if isinstance(url, str) and url:
            out.append(url)
    return out


def _tweet(result: dict, pinned: bool) -> Tweet | None:
    rest_id = str(result.get("rest_id") or dig(result, "legacy", "id_str") or "")
    if not rest_id.isdigit():
        return None
    author = _screen_name(result)
    legacy = result["legacy"]
    retweeted = _unwrap(dig(legacy, "retweeted_status_result", "result"))
    extra: dict[str, Any] = {}
    source = result
    if retweeted is not None:
        # a repost: the original post, as the profile page shows it (same id and permalink as the DOM)
        original = _screen_name(retweeted)
        source = retweeted
        extra = {"repost": True, "share": True, "share_kind": "repost", "reposted_by": author,
                 "original_author": original, "repost_id": rest_id}
        rest_id = str(retweeted.get("rest_id") or "")
        if not rest_id.isdigit():
            return None
        extra["original_url"] = f"https://x.com/{original}/status/{rest_id}"
        author = original
    else:
        quoted = _unwrap(dig(result, "quoted_status_result", "result"))
        if quoted is not None:
            q_author, q_id = _screen_name(quoted), str(quoted.get("rest_id") or "")
            extra = {"share": True, "share_kind": "quote", "original_author": q_author,
                     "original_url": f"https://x.com/{q_author}/status/{q_id}", "quoted_text": _text(quoted)}
    return Tweet(id=rest_id, author=author, published=parse_x_time(source["legacy"].get("created_at")),
                 text=_text(source), media=_media(source), pinned=pinned, extra=extra, raw=result)


def timeline_tweets(instructions: list[dict]) -> tuple[list[Tweet], int]:
    """Tweets of a timeline in page order (pinned first), and how many entries were unreadable."""
    tweets: dict[str, Tweet] = {}
    skipped = 0
    for entry, pinned in _entries(instructions):
        for found in _tweet_results(entry):
            result = _unwrap(found)
            try:
                tweet = _tweet(result, pinned) if result is not None else None
            except (TypeError, ValueError, AttributeError, KeyError):
                tweet = None
            if tweet is None:
                skipped += result is not None
                continue
            known = tweets.get(tweet.id)
            if known is None:
                tweets[tweet.id] = tweet
            elif pinned:
                known.pinned = True
    return list(tweets.values()), skipped
