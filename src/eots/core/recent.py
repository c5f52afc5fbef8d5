"""``Recent``: the last few (key, value) pairs, found by an equality test, not a hash.

A fold asks the same question of equal inputs step after step (are these contract keys unique?
which history row does each contract match?). The inputs are frames: unhashable, and comparing
two equal frames costs far less than answering again. ``Recent`` keeps the last ``size``
answers, newest first, and gives one back only for a key its ``same`` test finds equal, so a
remembered answer is always the answer for that input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The last ``size`` (key, value) pairs, newest first, looked up with ``same(key, kept)``.

    Examples
    --------
    >>> seen = Recent(2, lambda a, b: a == b)
    >>> seen.remember([1, 2], "a"); seen.remember([3], None)
    >>> seen.lookup([3]), seen.lookup([1, 2]), seen.lookup([4])
    ((None,), ('a',), None)
    >>> seen.remember([5], "c"); seen.lookup([1, 2]) is None   # the oldest is dropped
    True
    """

    __slots__ = ("_items", "_same", "_size")

    def __init__(self, size: int, same: Callable[[K, K], bool]) -> None:
        if size < 1:
            raise ValueError(f"expected size >= 1, was {size}")
        self._size = size
        self._same = same
        self._items: tuple[tuple[K, V], ...] = ()

    def lookup(self, key: K) -> tuple[V] | None:
        """Return ``(value,)`` remembered for a key equal to ``key``, or None."""
        for kept, value in self._items:  # a tuple: replaced whole, never changed in place
            if self._same(key, kept):
                return (value,)
        return None

    def remember(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` as the newest pair (the oldest beyond ``size`` goes)."""
        self._items = ((key, value), *self._items[: self._size - 1])


__all__ = ["Recent"]
