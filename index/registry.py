"""One shape for every plug-in point: a name → factory map that names the choices on a miss.

Encoders, vector indexes, stores, corpus formats, retrievers, fusion methods and pipeline
stages each keep one ``Registry``. A new implementation is one file that registers itself;
contract suites take their parameters from ``names()``, so a registered implementation is
tested without editing the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from index.errors import NewsQAError

T = TypeVar("T")


class UnknownChoice(NewsQAError, LookupError):
    """A setting or argument names an implementation that is not registered."""

    http_status = 422
    exit_code = 2


class Registry(Generic[T]):
    """Named factories of one kind of part (``what`` names the kind in error messages)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str, factory: Callable[..., T] | None = None):
        """Register ``factory`` under ``name``; usable as a decorator. A name is registered once."""
        def add(f: Callable[..., T]) -> Callable[..., T]:
            if name in self._factories and self._factories[name] is not f:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            self._factories[name] = f
            return f

        return add(factory) if factory is not None else add

    def get(self, name: str) -> Callable[..., T]:
        """The factory registered as ``name``; ``UnknownChoice`` lists the registered names."""
        try:
            return self._factories[name]
        except KeyError:
            raise UnknownChoice(f"unknown {self.what} {name!r}; choose one of {', '.join(self.names())}") from None

    def create(self, name: str, *args, **kwargs) -> T:
        return self.get(name)(*args, **kwargs)

    def names(self) -> list[str]:
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
