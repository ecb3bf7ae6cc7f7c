"""Pages of a list endpoint: `?limit=` (default 100, at most 500) and `?offset=` (from 0).

The answer stays a JSON list (the web pages read lists); when more items follow, a `Link` header points
at the next page (RFC 8288, `rel="next"`, relative to the request: the same path and query with the next
offset). A route takes `page: Paging` and returns `page(items)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request, Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """Which slice of a list a client asked for, and where to say that more follows."""

    limit: int
    offset: int
    request: Request
    response: Response

    def __call__(self, items: Sequence[T]) -> list[T]:
        """The asked-for slice of `items`; a `Link: <...>; rel="next"` header when items remain."""
        end = self.offset + self.limit
        if len(items) > end:
            following = self.request.url.include_query_params(limit=self.limit, offset=end)
            self.response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
        return list(items[self.offset : end])


def _page(
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="at most this many items")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="skip this many items first")] = 0,
) -> Page:
    return Page(limit, offset, request, response)


Paging = Annotated[Page, Depends(_page)]
