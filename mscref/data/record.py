"""``record``: a frozen, slotted dataclass that costs next to nothing to define.

``dataclasses.dataclass(frozen=True, slots=True)`` compiles six methods per class with
``exec`` when the class is defined; with some forty classes that was most of mscref's own
start-up time, paid again by every command. A record is a real dataclass (``fields``,
``replace``, ``asdict`` and field metadata all work) whose methods are shared, generic
functions, except ``__init__``, which is compiled on first use: a command that reads its
data from the cache never constructs a record through ``__init__`` and so never compiles one.

Semantics follow ``dataclass(frozen=True, slots=True, eq=True)``: value equality between
instances of the same class, a hash of the field values, assignment raises
``dataclasses.FrozenInstanceError``, and instances pickle by value. A class may bring its own
``__repr__`` or ``__reduce__``; it may not define ``__init__``, ``__eq__``, ``__hash__``,
``__setattr__`` or ``__delattr__``. One difference remains: ``__dataclass_params__`` says
``frozen=False``, so a plain ``@dataclass(frozen=True)`` cannot subclass a record (a record can).
"""

from __future__ import annotations

import dataclasses
import operator
import threading
import types
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_FIELDS = "__record_fields__"
_GETTER = "__record_values__"


def _frozen_setattr(self: object, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _values(self: object) -> tuple[Any, ...]:
    return getattr(type(self), _GETTER)(self)  # type: ignore[no-any-return]


def _getter(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """Every field's value as one tuple, fetched in C (pickling calls this once per record)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _eq(self: object, other: object) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: object) -> int:
    return hash(_values(self))


def _repr(self: object) -> str:
    cls = type(self)
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in getattr(cls, _FIELDS))
    return f"{cls.__qualname__}({inner})"


def _rebuild(cls: type[T], values: tuple[Any, ...]) -> T:
    """Unpickle a record: set its slots directly, without running ``__init__``."""
    obj = object.__new__(cls)
    setter = object.__setattr__
    for name, value in zip(getattr(cls, _FIELDS), values, strict=True):
        setter(obj, name, value)
    return obj


def _reduce(self: object) -> tuple[Any, ...]:
    return (_rebuild, (type(self), _values(self)))


_COMPILING = threading.Lock()


def _lazy_init(cls: type) -> Callable[..., None]:
    """An ``__init__`` for ``cls`` that compiles the real one on its first call, installs it,
    and runs it. Under a lock, so threads racing to the first call compile it once; a caller
    that fetched this function before another replaced it still gets the compiled one."""

    def __init__(self: object, *args: Any, **kwargs: Any) -> None:
        with _COMPILING:
            init = cls.__dict__["__init__"]
            if init is __init__:
                init = _compile_init(cls)
                cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"  # as dataclass shows a default_factory in the signature


_HAS_FACTORY = _Factory()

#: Methods a record gets unless its class defines them itself.
_METHODS: dict[str, Callable[..., Any]] = {
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
    "__reduce__": _reduce,
}
#: Methods a record must get: a class defining one is refused.
_REQUIRED: dict[str, Callable[..., Any]] = {
    "__setattr__": _frozen_setattr,
    "__delattr__": _frozen_delattr,
}


def _compile_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` that ``dataclass`` would have written, compiled now."""
    fields = dataclasses.fields(cls)
    namespace: dict[str, Any] = {"__setter": object.__setattr__, "__FACTORY": _HAS_FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for i, f in enumerate(fields):
        if f.default is not dataclasses.MISSING:
            namespace[f"__default_{i}"] = f.default
            param = f"{f.name}=__default_{i}"
            value = f.name
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"__factory_{i}"] = f.default_factory
            param = f"{f.name}=__FACTORY"
            value = f"__factory_{i}() if {f.name} is __FACTORY else {f.name}"
        else:
            param = f.name
            value = f.name
        (keyword if f.kw_only else positional).append(param)
        slot = _slot(cls, f.name)
        if slot is not None:  # the slot's own setter: what __setter would find, without the search
            namespace[f"__set_{i}"] = slot.__set__
            body.append(f"    __set_{i}(self, {value})")
        else:  # pragma: no cover - every field of a record is a slot
            body.append(f"    __setter(self, {f.name!r}, {value})")
    params = ["self", *positional] + (["*", *keyword] if keyword else [])
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _slot(cls: type, name: str) -> types.MemberDescriptorType | None:
    """The descriptor that ``object.__setattr__(obj, name, ...)`` would use, if it is a slot's."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            found = klass.__dict__[name]
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def slot_setters(cls: type) -> tuple[Callable[[object, Any], None], ...]:
    """For each field of a slotted dataclass (a record, or a plain ``dataclass(slots=True)``), in
    order, the function that sets it on an instance made with ``object.__new__``: what
    ``__init__`` does, for a caller that fills the fields one by one (as unpickling does)."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__qualname__} has __post_init__, which filling field by field would skip")
    out = []
    for f in dataclasses.fields(cls):
        slot = _slot(cls, f.name)
        if slot is None:
            raise TypeError(f"{cls.__qualname__}: field {f.name!r} is not a slot")
        out.append(slot.__set__)
    return tuple(out)


def _check_order(name: str, fields: tuple[dataclasses.Field[Any], ...]) -> None:
    """As dataclass does when the class is defined: no positional field without a default
    after one with a default (the compiled ``__init__`` could not be written)."""
    seen_default = False
    for f in fields:
        if f.kw_only:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if seen_default and not has_default:
            raise TypeError(f"record {name}: non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has_default


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, kw_only: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T] | None = None, /, *, kw_only: bool = False) -> Any:
    """Make ``cls`` a frozen, slotted dataclass with cheap-to-define methods (see the module)."""

    def wrap(cls: type[T]) -> type[T]:
        own = cls.__dict__
        refused = ("__init__", "__post_init__", "__eq__", "__hash__", *_REQUIRED)
        if any(name in own for name in refused):
            raise TypeError(f"record {cls.__qualname__} must not define {', '.join(refused)}")
        if not cls.__doc__:
            cls.__doc__ = cls.__name__  # dataclass would compute a signature for it (slow)
        out: Any = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only)
        fields = dataclasses.fields(out)
        if any(not f.compare or f.hash is not None for f in fields):
            raise TypeError(f"record {cls.__qualname__}: every field takes part in equality and hashing")
        _check_order(out.__qualname__, fields)
        names = tuple(f.name for f in fields)
        setattr(out, _FIELDS, names)
        setattr(out, _GETTER, staticmethod(_getter(names)))
        out.__init__ = _lazy_init(out)
        for name, method in _METHODS.items():
            if name not in own:
                setattr(out, name, method)
        for name, method in _REQUIRED.items():
            setattr(out, name, method)
        return out  # type: ignore[no-any-return]

    return wrap if cls is None else wrap(cls)
