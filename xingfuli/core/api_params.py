"""Query parameters that many endpoints share, with the bounds that keep them meaningful."""

from __future__ import annotations

from ninja.params import P, QueryEx

# A list's offset. Bounded: a number past the database's integer (2**63) is not a client's
# paging but nonsense, and the database would refuse it with an error rather than an answer.
MAX_OFFSET = 1_000_000_000
Offset = QueryEx[int, P(ge=0, le=MAX_OFFSET)]
