"""The PyTorch-aware mutation operators: the mistakes students make in this lab, as syntax-tree edits.

Each operator is a function from one node of ``libcst``'s tree (of the type it is registered for) to the
nodes that may replace it, one mutant each, applied wherever its pattern occurs in a solution region. To add
one, write such a function and register it with the mistake it models::

    @operator(cst.Call, "model.eval written without parentheses: the mode never changes")
    def eval_not_called(call):
        if is_method_call(call, "eval", arguments=0):
            yield call.func

(``docs/selfcheck.md`` lists every operator; ``make test`` checks it does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst
import libcst.matchers as m

PYTORCH = "pytorch"
GENERIC = "generic"


@dataclass(frozen=True)
class Operator:
    """A mutation operator: its name, its family, the mistake it models, the node type it edits, and the edit."""

    name: str
    family: str
    mistake: str
    node: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]
    mutate: Callable[[Any], Iterable[cst.CSTNode]]


CATALOGUE: list[Operator] = []


def operator(node: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...], mistake: str):
    """Register the decorated function as a PyTorch-aware operator on nodes of type ``node``."""
    def register(mutate: Callable[[Any], Iterable[cst.CSTNode]]) -> Callable[[Any], Iterable[cst.CSTNode]]:
        CATALOGUE.append(Operator(mutate.__name__, PYTORCH, mistake, node, mutate))
        return mutate
    return register


# -- patterns --------------------------------------------------------------------------------------

ACTIVATION_MODULES = {"ReLU", "LeakyReLU", "GELU", "ELU", "SiLU", "Sigmoid", "Tanh", "Softplus"}
ACTIVATION_FUNCTIONS = {"relu", "leaky_relu", "gelu", "elu", "silu", "sigmoid", "tanh", "softplus"}
PIXEL_MAX = {"255", "255.0", "255."}


def name_of(func: cst.BaseExpression) -> str:
    """The last name of what is called: ``relu`` for ``F.relu``, ``torch.relu`` and ``relu``."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def is_method_call(node: cst.CSTNode, method: str, arguments: int | None = None) -> bool:
    """Whether ``node`` is ``something.method(...)``, with that many arguments where given."""
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method
            and (arguments is None or len(node.args) == arguments))


def calls_method(statement: cst.CSTNode, method: str) -> bool:
    """Whether ``statement`` is a line that only calls ``something.method(...)`` (``loss.backward()``)."""
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and is_method_call(statement.body[0].value, method))


def receiver(call: cst.Call) -> cst.BaseExpression:
    """``x`` of ``x.method(...)``."""
    return call.func.value


def then(expression: cst.BaseExpression, method: str, *arguments: str) -> cst.Call:
    """``expression.method(arguments)``, parenthesised where it needs to be."""
    if not isinstance(expression, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
        expression = expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(cst.Attribute(expression, cst.Name(method)),
                    [cst.Arg(cst.parse_expression(argument)) for argument in arguments])


def wrapped(expression: cst.BaseExpression, function: str) -> cst.BaseExpression:
    """``function`` with ``expression`` in its ``{}``: ``torch.softmax({}, dim=1)``."""
    call = cst.parse_expression(function.format("__MUTATED__"))
    return call.visit(_Swap(m.Name("__MUTATED__"), expression))


class _Swap(cst.CSTTransformer):
    """Replace every node that matches ``pattern`` with ``new``."""

    def __init__(self, pattern: m.BaseMatcherNode, new: cst.CSTNode | Callable[[cst.CSTNode], cst.CSTNode]) -> None:
        super().__init__()
        self.pattern, self.new = pattern, new

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Any:
        if m.matches(original, self.pattern):
            return self.new(updated) if callable(self.new) else self.new
        return updated


def without(block: cst.IndentedBlock, index: int) -> cst.IndentedBlock:
    """``block`` without its statement at ``index``; the comments above it (a region's marker) stay, above the
    next statement or a ``pass``."""
    comments = block.body[index].leading_lines
    body = [*block.body[:index], *block.body[index + 1:]]
    if index < len(body):
        body[index] = body[index].with_changes(leading_lines=[*comments, *body[index].leading_lines])
    elif comments or not body:
        body.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=comments))
    return block.with_changes(body=body)


def removing(block: cst.IndentedBlock, method: str) -> Iterator[cst.IndentedBlock]:
    """``block`` without each line that only calls ``something.method()``, one at a time."""
    for index, statement in enumerate(block.body):
        if calls_method(statement, method):
            yield without(block, index)


def returns_of(function: cst.FunctionDef, new: Callable[[cst.Return], cst.Return]) -> cst.FunctionDef | None:
    """``function`` with each of its own ``return VALUE`` rewritten by ``new``; None when it has none."""
    returns = m.Return(value=m.DoNotCare())
    if not m.findall(function.body, returns):
        return None
    return function.with_changes(body=function.body.visit(_Swap(returns, new)))


def is_method(function: cst.FunctionDef, *names: str) -> bool:
    return function.name.value in names


# -- gradients and the optimizer --------------------------------------------------------------------

@operator(cst.IndentedBlock, "optimizer.zero_grad() forgotten: every step uses the gradients of all batches so far")
def zero_grad_removed(block):
    yield from removing(block, "zero_grad")


@operator(cst.IndentedBlock, "zero_grad() called once, before the loop, instead of for every batch")
def zero_grad_before_the_loop(block):
    for index, statement in enumerate(block.body):
        if isinstance(statement, cst.For | cst.While):
            for inner, line in enumerate(statement.body.body):
                if calls_method(line, "zero_grad"):
                    loop = statement.with_changes(body=without(statement.body, inner))
                    yield block.with_changes(body=[*block.body[:index], line, loop, *block.body[index + 1:]])


def moving(block: cst.IndentedBlock, method: str, anchor: str, after: bool) -> Iterator[cst.IndentedBlock]:
    """``block`` with its first line that calls ``.method()`` moved just before (or ``after``) its first line
    that calls ``.anchor()``, where that is somewhere else."""
    lines = list(block.body)
    found = [next((i for i, line in enumerate(lines) if calls_method(line, name)), None) for name in (method, anchor)]
    if None in found:
        return
    moved = lines.pop(found[0])
    place = next(i for i, line in enumerate(lines) if calls_method(line, anchor)) + after
    if place != found[0]:
        lines.insert(place, moved)
        yield block.with_changes(body=lines)


@operator(cst.IndentedBlock, "zero_grad() between backward() and step(): the step finds no gradient")
def zero_grad_after_backward(block):
    yield from moving(block, "zero_grad", "backward", after=True)


@operator(cst.IndentedBlock, "optimizer.step() before loss.backward(): each step follows the last batch's gradients")
def step_before_backward(block):
    yield from moving(block, "step", "backward", after=False)


# -- training and evaluation modes ------------------------------------------------------------------

@operator(cst.IndentedBlock, "model.train() forgotten: after an evaluation, dropout and batch norm stay in eval mode")
def train_mode_not_set(block):
    yield from removing(block, "train")


@operator(cst.IndentedBlock, "model.eval() forgotten: evaluation runs in training mode")
def eval_mode_not_set(block):
    yield from removing(block, "eval")


@operator(cst.Call, "train() and eval() confused: each loop puts the model in the other's mode")
def modes_swapped(call):
    for mode, other in (("train", "eval"), ("eval", "train")):
        if is_method_call(call, mode, arguments=0):
            yield call.with_changes(func=call.func.with_changes(attr=cst.Name(other)))


@operator(cst.IndentedBlock, "torch.no_grad() forgotten in evaluation: every batch builds a graph")
def no_grad_removed(block):
    for index, statement in enumerate(block.body):
        if isinstance(statement, cst.With) and any(
                name_of(item.item.func) in ("no_grad", "inference_mode") for item in statement.items
                if isinstance(item.item, cst.Call)):
            yield block.with_changes(body=[*block.body[:index], *statement.body.body, *block.body[index + 1:]])


@operator(cst.FunctionDef, "@torch.no_grad() forgotten on the evaluation function")
def no_grad_decorator_removed(function):
    for index, decorator in enumerate(function.decorators):
        called = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        if name_of(called) in ("no_grad", "inference_mode"):
            yield function.with_changes(decorators=[*function.decorators[:index], *function.decorators[index + 1:]])


# -- the device -----------------------------------------------------------------------------------

@operator(cst.Call, "one tensor not moved to the device (the inputs, or the targets, each on its own)")
def not_moved_to_device(call):
    if is_method_call(call, "to") and call.args:
        yield receiver(call)


# -- the losses returned ----------------------------------------------------------------------------

@operator(cst.Call, "the loss recorded as a tensor (no .item()): the graph of every batch is kept")
def loss_kept_as_tensor(call):
    if is_method_call(call, "item", arguments=0):
        yield receiver(call)


@operator(cst.Call, "the loss recorded as a NumPy array instead of a Python float")
def loss_kept_as_array(call):
    if is_method_call(call, "item", arguments=0):
        yield then(then(then(receiver(call), "detach"), "cpu"), "numpy")


def _lists_built(function: cst.FunctionDef) -> set[str]:
    """The names ``function`` binds to an empty list (``losses = []``)."""
    empty = m.Assign(targets=[m.AssignTarget(m.Name())], value=m.List(elements=[]))
    return {found.targets[0].target.value for found in m.findall(function.body, empty)}


@operator(cst.FunctionDef, "the average loss returned instead of every batch's")
def losses_averaged(function):
    built = _lists_built(function)
    new = returns_of(function, lambda r: r.with_changes(value=cst.parse_expression(f"sum({r.value.value}) / len("
                     f"{r.value.value})")) if isinstance(r.value, cst.Name) and r.value.value in built else r)
    if new is not None and built:
        yield new


@operator(cst.FunctionDef, "only the first batch's loss returned (a return inside the loop, or losses[0])")
def first_loss_only(function):
    built = _lists_built(function)
    new = returns_of(function, lambda r: r.with_changes(value=cst.parse_expression(f"{r.value.value}[:1]"))
                     if isinstance(r.value, cst.Name) and r.value.value in built else r)
    if new is not None and built:
        yield new


# -- images -----------------------------------------------------------------------------------------

def _scaled(node: cst.CSTNode) -> cst.BaseExpression | None:
    """The unscaled pixels of ``x.div(255)``, ``x / 255`` or ``torch.div(x, 255)``; None for anything else."""
    if is_method_call(node, "div", arguments=1) and m.matches(node.args[0].value, m.Integer() | m.Float()):
        return receiver(node) if node.args[0].value.value in PIXEL_MAX else None
    if (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide)
            and isinstance(node.right, cst.Integer | cst.Float) and node.right.value in PIXEL_MAX):
        return node.left
    return None


@operator((cst.Call, cst.BinaryOperation), "the pixels not scaled: values 0-255 instead of 0-1")
def images_not_scaled(node):
    if (pixels := _scaled(node)) is not None:
        yield pixels


@operator((cst.Call, cst.BinaryOperation), "the pixels divided by 255 twice (ToTensor already scaled them)")
def images_scaled_twice(node):
    if _scaled(node) is not None:
        yield then(node, "div", "255")


@operator((cst.Call, cst.BinaryOperation), "the pixels normalised with MNIST's mean and deviation (not what is asked)")
def images_normalised(node):
    if _scaled(node) is not None:
        yield then(then(node, "sub", "0.1307"), "div", "0.3081")


@operator((cst.Call, cst.BinaryOperation), "the image transposed: rows and columns swapped")
def images_transposed(node):
    if _scaled(node) is not None:
        yield then(node, "transpose", "-1", "-2")


@operator(cst.Call, "the channel dimension left out: [28, 28] instead of [1, 28, 28]")
def channel_missing(call):
    if is_method_call(call, "unsqueeze", arguments=1):
        yield receiver(call)


# -- targets ----------------------------------------------------------------------------------------

def _pair_returned(function: cst.FunctionDef, new: Callable[[cst.BaseExpression, cst.BaseExpression], tuple]):
    """``__getitem__`` with its ``return image, target`` rewritten by ``new(image, target)``."""
    if not is_method(function, "__getitem__"):
        return None
    pair = m.Return(value=m.Tuple(elements=[m.DoNotCare(), m.DoNotCare()]))
    if not m.findall(function.body, pair):
        return None

    def rewrite(returned: cst.Return) -> cst.Return:
        image, target = (element.value for element in returned.value.elements)
        first, second = new(image, target)
        return returned.with_changes(value=returned.value.with_changes(
            elements=[cst.Element(first, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                      cst.Element(second)]))
    return function.with_changes(body=function.body.visit(_Swap(pair, rewrite)))


@operator(cst.FunctionDef, "class-index targets as float: CrossEntropyLoss reads them as probabilities")
def targets_as_float(function):
    if (new := _pair_returned(function, lambda image, target: (image, then(target, "float")))) is not None:
        yield new


@operator((cst.Attribute, cst.Call), "targets as a 32-bit integer instead of int64 (torch.long)")
def targets_wrong_integer_type(node):
    if m.matches(node, m.Attribute(value=m.Name("torch"), attr=m.Name("int64") | m.Name("long"))):
        yield node.with_changes(attr=cst.Name("int32"))
    elif is_method_call(node, "long", arguments=0):
        yield node.with_changes(func=node.func.with_changes(attr=cst.Name("int")))


@operator(cst.Call, "one-hot targets left as int64 (F.one_hot's dtype) instead of float32")
def one_hot_wrong_dtype(call):
    if is_method_call(call, "float", arguments=0) and isinstance(receiver(call), cst.Call) \
            and name_of(receiver(call).func) == "one_hot":
        yield receiver(call)


@operator(cst.Call, "one-hot targets of shape [1, 10] instead of [10]")
def one_hot_wrong_shape(call):
    if name_of(call.func) == "one_hot":
        yield then(call, "unsqueeze", "0")


@operator(cst.FunctionDef, "image and target returned in the wrong order")
def image_and_target_swapped(function):
    if (new := _pair_returned(function, lambda image, target: (target, image))) is not None:
        yield new


@operator(cst.FunctionDef, "a length off by one (len - 1, or len + 1 with an index past the end)")
def length_off_by_one(function):
    if is_method(function, "__len__"):
        for sign in ("-", "+"):
            new = returns_of(function, lambda r, sign=sign: r.with_changes(
                value=cst.BinaryOperation(r.value, cst.Subtract() if sign == "-" else cst.Add(), cst.Integer("1"))))
            if new is not None:
                yield new


# -- the loaders ------------------------------------------------------------------------------------

def _keyword(name: str, value: m.BaseMatcherNode | None = None) -> m.Arg:
    return m.Arg(keyword=m.Name(name), value=value or m.DoNotCare())


@operator(cst.FunctionDef, "the shuffle flags swapped: the test loader shuffles, the training loader does not")
def shuffle_swapped(function):
    flags = m.findall(function.body, _keyword("shuffle", m.Name("True") | m.Name("False")))
    if len(flags) >= 2:
        yield function.with_changes(body=function.body.visit(_Swap(
            _keyword("shuffle", m.Name("True") | m.Name("False")),
            lambda arg: arg.with_changes(value=cst.Name("False" if arg.value.value == "True" else "True")))))


def _flipped(arg: cst.Arg, keyword: str, old: str, new: str) -> Iterator[cst.Arg]:
    """``keyword=old`` made ``keyword=new`` (``True`` and ``False``)."""
    if m.matches(arg, _keyword(keyword, m.Name(old))):
        yield arg.with_changes(value=cst.Name(new))


@operator(cst.Arg, "the training loader does not shuffle")
def shuffle_off(arg):
    yield from _flipped(arg, "shuffle", "True", "False")


@operator(cst.Arg, "batch_size ignored: the loaders always use 64")
def batch_size_ignored(arg):
    if m.matches(arg, _keyword("batch_size")) and not isinstance(arg.value, cst.Integer):
        yield arg.with_changes(value=cst.Integer("64"))


@operator(cst.Arg, "the test loader built from the training split (train=True twice)")
def training_split_for_testing(arg):
    yield from _flipped(arg, "train", "False", "True")


# -- the model --------------------------------------------------------------------------------------

@operator(cst.Call, "the non-linearity left out: stacked linear layers are one linear map")
def non_linearity_removed(call):
    if name_of(call.func) in ACTIVATION_FUNCTIONS and call.args:
        yield call.args[0].value
    if is_method_call(call, "relu", arguments=0):
        yield receiver(call)
    for index, arg in enumerate(call.args):
        if isinstance(arg.value, cst.Call) and name_of(arg.value.func) in ACTIVATION_MODULES:
            rest = [*call.args[:index], *call.args[index + 1:]]
            yield call.with_changes(args=[*rest[:-1], rest[-1].with_changes(comma=call.args[-1].comma)] if rest else [])


@operator(cst.FunctionDef, "softmax on the output: CrossEntropyLoss applies log-softmax itself")
def softmax_on_output(function):
    if is_method(function, "forward") and (new := returns_of(
            function, lambda r: r.with_changes(value=wrapped(r.value, "torch.softmax({}, dim=1)")))) is not None:
        yield new


@operator(cst.FunctionDef, "an activation on the output: logits can no longer be negative")
def activation_on_output(function):
    if is_method(function, "forward") and (new := returns_of(
            function, lambda r: r.with_changes(value=wrapped(r.value, "torch.relu({})")))) is not None:
        yield new


def _features(node: cst.BaseExpression) -> int | None:
    """The number a layer size spells (``784``, ``28 * 28``), or None where it is not a plain number."""
    try:
        return int(eval(compile(cst.Module([]).code_for_node(node), "<size>", "eval"), {"__builtins__": {}}))
    except Exception:
        return None


@operator(cst.Call, "a wrong layer size: 28 input features instead of 784, or 9 classes instead of 10")
def wrong_layer_size(call):
    if name_of(call.func) == "Linear" and len(call.args) >= 2:
        if _features(call.args[0].value) == 28 * 28:
            yield call.with_changes(args=[call.args[0].with_changes(value=cst.Integer("28")), *call.args[1:]])
        if _features(call.args[1].value) == 10:
            yield call.with_changes(args=[call.args[0], call.args[1].with_changes(value=cst.Integer("9")),
                                          *call.args[2:]])


@operator(cst.ClassDef, "layers kept in a plain Python list: model.parameters() does not see their weights")
def layers_in_a_plain_list(cls):
    held = m.Assign(targets=[m.AssignTarget(m.Attribute(value=m.Name("self")))],
                    value=m.Call(func=m.Attribute(attr=m.Name("Sequential")) | m.Name("Sequential")))
    for assignment in m.findall(cls.body, held):
        yield _listed(cls, assignment.targets[0].target.attr.value,
                      cst.List([cst.Element(arg.value) for arg in assignment.value.args]))


def _listed(cls: cst.ClassDef, attribute: str, layers: cst.List) -> cst.ClassDef:
    """``cls`` with ``self.<attribute>`` a plain list of ``layers``, applied one after the other."""
    def applied(call: cst.Call) -> cst.BaseExpression:
        x = cst.Module([]).code_for_node(call.args[0].value)
        return cst.parse_expression(f"__import__('functools').reduce(lambda h, f: f(h), self.{attribute}, {x})")
    held = m.Attribute(value=m.Name("self"), attr=m.Name(attribute))
    listed = cls.visit(_Swap(m.Assign(targets=[m.AssignTarget(held)]), lambda node: node.with_changes(value=layers)))
    return listed.visit(_Swap(m.Call(func=held), applied))
