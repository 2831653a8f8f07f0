"""Safe arithmetic for the toolbox's ``calculate``: an ``ast`` walk over literals, never eval."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

__all__ = ["CalculationError", "calculate"]

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
MAX_LENGTH = 1000
MAX_INT_BITS = 4096  # keeps 9**9**9 and friends from eating the machine


class CalculationError(ValueError):
    """The expression cannot be evaluated; the message is fit to show the model."""


def calculate(expression: str) -> Number:
    """Evaluate ``+ - * / // % **`` and parentheses over int and float literals."""
    if len(expression) > MAX_LENGTH:
        raise CalculationError(f"expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculationError(f"not a valid expression: {exc.msg}") from None
    return _evaluate(tree.body)


def _evaluate(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise CalculationError("booleans are not numbers here")
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        try:
            result = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise CalculationError("division by zero") from None
        except OverflowError:
            raise CalculationError("the result is too large") from None
        if isinstance(result, complex):
            raise CalculationError("the result is not a real number")
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise CalculationError("the result is too large")
        return result
    raise CalculationError(
        f"unsupported element {ast.unparse(node)!r}: only numbers, + - * / // % ** "
        "and parentheses are allowed"
    )


def _check_power(base: Number, exponent: Number) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        if max(abs(base), 2).bit_length() * exponent > MAX_INT_BITS:
            raise CalculationError("the result is too large")
