"""The Jinja2 sandbox of campaign templates, with bounds on what a template may produce.

Jinja's own SandboxedEnvironment keeps a template away from Python's internals; it does not
bound sizes: `{{ 'x' * 20000000 }}` renders 20 MB and `{{ 'a' * 10**9 }}` a gigabyte. Here
every repetition, power, %-format, filter and method call is checked *before* it runs
where its size can be known, and its result after; a rendering stops once it passes
MAX_OUTPUT characters. A template over a bound raises TemplateTooLarge, which names the
bound; the campaign's save renders the templates with sample data, so such a template is
refused when it is saved (campaigns.render.check_template), never when it is sent.

The environment's globals (range, dict, lipsum, cycler, joiner, namespace) are removed:
a campaign has no use for them, and printed they show a Python repr with a memory address.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from jinja2.sandbox import SandboxedEnvironment, SecurityError

# Characters a rendered part (subject, HTML or text body) may have: far beyond any mail.
MAX_OUTPUT = 2_000_000
# The largest power a template may compute: 2**4096 and alike, not 10**(10**9).
MAX_POWER_BITS = 4096
# A %-format's width or precision over this many digits could ask for any size.
_WIDE_FORMAT = re.compile(r"%[-#0 +]*(\*|\d{7,})|%[-#0 +]*\d*\.(\*|\d{7,})")


class TemplateTooLarge(SecurityError):
    """A template asked for more than the sandbox allows."""


def _size(value: Any) -> int:
    """Characters `value` prints as, about: a container counts its items' sizes too."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) + sum(_size(item) for item in value[:10_000]) * max(
            1, len(value) // 10_000
        )
    if isinstance(value, dict):
        return len(value) + sum(_size(k) + _size(v) for k, v in list(value.items())[:10_000])
    return 0


def _refuse(what: str) -> TemplateTooLarge:
    return TemplateTooLarge(f"{what} would exceed {MAX_OUTPUT:,} characters")


def _checked(value: Any, what: str) -> Any:
    if _size(value) > MAX_OUTPUT:
        raise _refuse(what)
    return value


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> None:
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_OUTPUT:
            raise _refuse(what)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs, f"the filter {name}")
        if name == "join" and len(args) > 1:  # (eval_ctx, value, d="")
            separator = args[2] if len(args) > 2 else kwargs.get("d", "")
            _check_join(args[1], separator)
        return _checked(function(*args, **kwargs), f"the filter {name}")

    return bounded


def _check_join(items: Any, separator: Any) -> None:
    """A join's size is known before it is made, for a list: items plus separators."""
    if isinstance(items, str):
        total = len(items)
    elif isinstance(items, list | tuple):
        total = sum(_size(item) or len(str(item)) for item in items)
    else:
        return
    if total + _size(separator) * len(items) > MAX_OUTPUT:
        raise _refuse("the filter join")


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self._finalize, **options)
        self.globals.clear()
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "*":
            for sized, times in ((left, right), (right, left)):
                if _size(sized) and isinstance(times, int) and _size(sized) * times > MAX_OUTPUT:
                    raise _refuse("a repetition")
            return left * right
        if operator_ == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and max(abs(left).bit_length(), 1) * right > MAX_POWER_BITS
            ):
                raise TemplateTooLarge(f"a power over {MAX_POWER_BITS} bits is refused")
            return operator.pow(left, right)
        if isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise _refuse("a %-format")
        return _checked(left % right, "a %-format")

    @staticmethod
    def _finalize(value: Any) -> Any:
        """Every {{ }} output: a container is printed whole, so its size is known first."""
        return _checked(value, "an output")

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs, "a call")
        return _checked(super().call(__context, __obj, *args, **kwargs), "a call")


def bounded(pieces: Iterator[str], limit: int = MAX_OUTPUT) -> Iterator[str]:
    """A rendering's pieces, stopped with TemplateTooLarge once past `limit` characters (the
    policy's template.max_output, never above MAX_OUTPUT)."""
    limit = min(limit, MAX_OUTPUT)
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > limit:
            raise TemplateTooLarge(f"the rendered template would exceed {limit:,} characters")
        yield piece
