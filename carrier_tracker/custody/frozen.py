"""Frozen dataclasses that are quick to build: the rules' facts and decisions, made for every tap
and, by ``verify``, for every one of 200,000 replayed taps (bench/README.md).

A frozen dataclass's generated ``__init__`` sets each field with ``object.__setattr__`` (its own
``__setattr__`` refuses); :func:`quick` gives it one that fills the instance's ``__dict__`` in a
single call — what attrs does for its frozen classes. Same signature, same defaults; the
instance stays frozen, compares, hashes, pickles and ``replace``s as before
(tests/unit/test_frozen.py).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, TypeVar

T = TypeVar("T")


def quick(cls: type[T]) -> type[T]:
    """Give frozen dataclass ``cls`` (no slots, no ``__post_init__``, no default factories, no
    keyword-only fields) an ``__init__`` that sets its fields in one call."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen and "__slots__" not in vars(cls) and not hasattr(cls, "__post_init__")
    names, defaults = [], {}
    for f in fields(cls):  # type: ignore[arg-type]
        assert f.init and f.default_factory is MISSING and not f.kw_only, f.name
        names.append(f.name)
        if f.default is not MISSING:
            defaults[f.name] = f.default
    args = ", ".join(f"{n}=_defaults[{n!r}]" if n in defaults else n for n in names)
    values = ", ".join(f"{n!r}: {n}" for n in names)
    source = f"def __init__(self, {args}):\n    _set(self, '__dict__', {{{values}}})\n"
    scope: dict[str, Any] = {"_defaults": defaults, "_set": object.__setattr__}
    exec(source, scope)  # the source is built from the class's own field names
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = cls.__init__.__annotations__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
