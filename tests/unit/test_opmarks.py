"""Mapping a TFLM application's nested per-operator marks to (subgraph, operator)
(simprof.sim.opmarks), on mark trees written here the way TFLM's interpreter invokes the
operators (micro_interpreter_graph InvokeSubgraph; the CALL_ONCE, IF and WHILE kernels). <1 s."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from simprof.core.errors import UsageError
from simprof.sim.opmarks import Mark, assign


@dataclass
class Op:
    index: int
    opcode: str
    options: tuple = ()

    def opt(self, name, default=None):
        return dict(self.options).get(name, default)


@dataclass
class Sg:
    index: int
    operators: tuple


@dataclass
class G:
    subgraphs: tuple


def graph(*subgraphs):
    return G(tuple(Sg(i, tuple(Op(k, *spec) if isinstance(spec, tuple) else Op(k, spec) for k, spec in enumerate(ops)))
                   for i, ops in enumerate(subgraphs)))


class Recorder:
    """Emits marks as simprof_tflm_profiler.h numbers them: one counter per Invoke."""
    def __init__(self):
        self.marks, self.open, self.next = [], [], 0

    def op(self, inner=lambda: None):
        m = Mark(self.next, self.open[-1] if self.open else None)
        self.next += 1
        if m.parent is not None:
            m.parent.children.append(m)
        self.marks.append(m)
        self.open.append(m)
        inner()
        self.open.pop().ended = True
        return m


def placed(marks, g):
    where = assign(marks, g)
    return [(where[m].subgraph, where[m].index) for m in marks]


def test_call_once_runs_its_subgraph_on_the_first_invoke_only():
    g = graph(["CONV_2D", ("CALL_ONCE", (("InitSubgraphIndex", 1),)), "ADD"], ["VAR_HANDLE", "ASSIGN_VARIABLE"])
    r = Recorder()
    for n in range(2):
        r.next = 0
        r.op()
        r.op(lambda: (r.op(), r.op()) if n == 0 else None)
        r.op()
    assert placed(r.marks, g) == [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (0, 0), (0, 1), (0, 2)]


def test_if_runs_the_branch_whose_operator_count_matches():
    g = graph([("IF", (("ThenSubgraphIndex", 1), ("ElseSubgraphIndex", 2))), "ADD"], ["MUL"], ["SUB", "ABS", "NEG"])
    r = Recorder()
    r.op(lambda: (r.op(), r.op(), r.op()))
    r.op()
    assert placed(r.marks, g) == [(0, 0), (2, 0), (2, 1), (2, 2), (0, 1)]


def test_while_runs_cond_then_body_and_cond_per_iteration():
    g = graph([("WHILE", (("CondSubgraphIndex", 1), ("BodySubgraphIndex", 2)))], ["LESS"], ["ADD", "MUL"])
    r = Recorder()
    r.op(lambda: [r.op() for _ in range(1 + 2 * (2 + 1))])      # two iterations
    assert placed(r.marks, g) == [(0, 0), (1, 0), (2, 0), (2, 1), (1, 0), (2, 0), (2, 1), (1, 0)]


def test_nested_control_flow_recurses():
    g = graph([("CALL_ONCE", (("InitSubgraphIndex", 1),))],
              [("WHILE", (("CondSubgraphIndex", 2), ("BodySubgraphIndex", 3)))], ["LESS"], ["ADD"])
    r = Recorder()
    r.op(lambda: r.op(lambda: [r.op() for _ in range(3)]))   # cond, body, cond
    assert placed(r.marks, g) == [(0, 0), (1, 0), (2, 0), (3, 0), (2, 0)]


@pytest.mark.parametrize("build, counts", [
    # a CALL_ONCE whose event ends before its 2 init operators run: 1 + 2 + 2 = 5 top-level marks
    (lambda r: [r.op() for _ in range(5)], ("5 top-level", "3 operators")),
    # 1 mark inside the CALL_ONCE, its init subgraph has 2
    (lambda r: (r.op(r.op), r.op(), r.op()), ("1 operator marks inside", "has 2 operators")),
    # marks inside an operator that runs no subgraph
    (lambda r: (r.op(), r.op(r.op), r.op()), ("1 operator marks inside subgraph 0 operator 1 (ADD)", "0 expected")),
])
def test_marks_that_do_not_fit_name_both_counts(build, counts):
    g = graph([("CALL_ONCE", (("InitSubgraphIndex", 1),)), "ADD", "MUL"], ["VAR_HANDLE", "ASSIGN_VARIABLE"])
    r = Recorder()
    build(r)
    with pytest.raises(UsageError) as exc:
        assign(r.marks, g)
    assert all(c in str(exc.value) for c in counts) and "\n" not in str(exc.value)


def test_a_run_stopped_inside_an_invoke_maps_what_it_saw():
    g = graph(["CONV_2D", "ADD", "MUL"])
    r = Recorder()
    r.op()
    m = Mark(r.next)               # begun, not ended: the stop symbol was inside this operator
    r.marks.append(m)
    assert placed(r.marks, g) == [(0, 0), (0, 1)]


def test_if_with_branches_of_equal_length_says_it_cannot_tell():
    g = graph([("IF", (("ThenSubgraphIndex", 1), ("ElseSubgraphIndex", 2)))], ["MUL"], ["SUB"])
    r = Recorder()
    r.op(r.op)
    where = assign(r.marks, g)
    assert [(where[m].subgraph, where[m].index) for m in r.marks] == [(0, 0), (1, 0)]
    assert "cannot tell which ran" in where[r.marks[0]].note
