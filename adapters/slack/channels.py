"""Configured channel names <-> Slack channel ids, from conversations.list, cached.

Ids (C0123..., G..., D...) pass straight through; names are looked up once and again at most
once a minute when a name is missing (a channel created or renamed since).
"""

from __future__ import annotations

import asyncio
import time

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import is_channel_id

REFRESH_AFTER_MISS = 60.0


class Channels:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._ids: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    def known_id(self, name: str) -> str | None:
        """Without a request: for rendering `<#C123>` links."""
        name = name.lstrip("#")
        if is_channel_id(name) or name in self._names:  # an id (one the workspace listed)
            return name
        return self._ids.get(name.lower())

    def known_name(self, channel_id: str) -> str | None:
        return self._names.get(channel_id)

    async def id_for(self, name_or_id: str) -> str | None:
        found = self.known_id(name_or_id)
        if found is None and self._may_refresh():
            await self.load()
            found = self.known_id(name_or_id)
        return found

    async def name_of(self, channel_id: str) -> str | None:
        if channel_id not in self._names and self._may_refresh():
            await self.load()
        return self._names.get(channel_id)

    async def ensure_loaded(self) -> None:
        if self._loaded_at is None:
            await self.load()

    def _may_refresh(self) -> bool:
        return self._loaded_at is None or time.monotonic() - self._loaded_at > REFRESH_AFTER_MISS

    async def load(self) -> None:
        async with self._lock:
            if self._loaded_at is not None and not self._may_refresh():
                return  # someone else just loaded it
            ids: dict[str, str] = {}
            cursor = None
            while True:
                resp = await self.client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000,
                    cursor=cursor)
                for ch in resp.get("channels") or ():
                    ids[ch["name"].lower()] = ch["id"]
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            self._ids = ids
            self._names = {v: k for k, v in ids.items()}
            self._loaded_at = time.monotonic()
