"""Who changes stock, for the movement log: one value type for every service that writes movements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketplace.models import ApiKey


@dataclass(frozen=True)
class Actor:
    """The source of a stock edit and the user or API key behind it.

    `source` is the `StockMovement.Source` of product edits (api, csv, admin, my_shop, seed); the
    reservation services write their own source (`reservation`, `sweeper`) and read only who it was.
    """

    source: str = ""
    user: Any = None
    api_key: ApiKey | None = None

    @property
    def user_id(self) -> int | None:
        user = self.user
        return user.pk if user is not None and getattr(user, "is_authenticated", False) else None

    @property
    def api_key_id(self) -> int | None:
        return self.api_key.pk if self.api_key is not None else None


NOBODY = Actor()
