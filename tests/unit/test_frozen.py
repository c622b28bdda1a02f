"""``custody.frozen.quick``: a frozen dataclass built in one call is the dataclass it was — same
signature and defaults, frozen, equal, hashed, pickled and replaced alike."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, dataclass, field, replace

import pytest

from carrier_tracker.custody import rules
from carrier_tracker.custody.frozen import quick
from carrier_tracker.enums import Level


@dataclass(frozen=True)
class Plain:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: str | None = None


Quick = quick(dataclass(frozen=True)(type("Quick", (), {"__annotations__": Plain.__annotations__,
                                                        "c": (), "d": None})))  # fmt: skip


def _built(cls: type) -> list[object]:
    return [cls(1, "x"), cls(1, "x", (2,), "y"), cls(a=1, b="x", d="z"), cls(1, b="x", c=(3,))]


def test_built_alike() -> None:
    assert str(inspect.signature(Quick.__init__)) == str(inspect.signature(Plain.__init__))
    for quick_one, plain_one in zip(_built(Quick), _built(Plain), strict=True):
        assert vars(quick_one) == vars(plain_one)
        assert [getattr(quick_one, f) for f in "abcd"] == [getattr(plain_one, f) for f in "abcd"]
        assert hash(quick_one) == hash(plain_one)  # a frozen dataclass hashes its fields
        assert quick_one == pickle.loads(pickle.dumps(quick_one))
        changed = replace(quick_one, b="w")  # type: ignore[type-var]
        assert (changed.a, changed.b) == (1, "w")  # type: ignore[attr-defined]
        assert repr(quick_one).split("(", 1)[1] == repr(plain_one).split("(", 1)[1]
    with pytest.raises(TypeError):
        Quick(1)  # b is required
    with pytest.raises(TypeError):
        Quick(1, "x", e=2)  # no such field


def test_still_frozen() -> None:
    one = Quick(1, "x")
    with pytest.raises(FrozenInstanceError):
        one.a = 2
    with pytest.raises(FrozenInstanceError):
        del one.b


QUICK = [rules.Person, rules.Held, rules.Facts, rules.CarrierFacts, rules.Decision, rules.Ctx,
         rules.Change]  # fmt: skip


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_the_rules_classes_keep_their_signature(cls: type) -> None:
    """Each has the parameters and defaults the dataclass would have generated."""
    twin = dataclasses.make_dataclass(
        cls.__name__,
        [
            (f.name, f.type, field(default=f.default))
            if f.default is not dataclasses.MISSING
            else (f.name, f.type)
            for f in dataclasses.fields(cls)
        ],
        frozen=True,
    )
    assert str(inspect.signature(cls.__init__)) == str(inspect.signature(twin.__init__))
    assert cls.__init__.__qualname__ == f"{cls.__name__}.__init__"


def test_a_rules_value_as_before() -> None:
    person = rules.Person(7, "A007", "沈芳", "质量部", Level.MIMI, False)
    assert (person.pass_issued, person.holding, person.pledged, person.replaced_by) == (
        False, (), True, "",
    )  # fmt: skip
    assert replace(person, pledged=False) == rules.Person(
        7, "A007", "沈芳", "质量部", Level.MIMI, False, pledged=False
    )
    assert {person: 1}[rules.Person(7, "A007", "沈芳", "质量部", Level.MIMI, False)] == 1


def test_what_it_cannot_build() -> None:
    @dataclass(frozen=True, slots=True)
    class Slotted:
        a: int

    @dataclass(frozen=True)
    class Factory:
        a: list[int] = field(default_factory=list)

    @dataclass(frozen=True)
    class Post:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass
    class Thawed:
        a: int

    for cls in (Slotted, Factory, Post, Thawed):
        with pytest.raises(AssertionError):
            quick(cls)
