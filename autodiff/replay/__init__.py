"""Replay: record a graph once, then run it again on new numbers as generated Python.

``record(outputs, inputs, params)`` walks the graph of some Values once and
writes straight-line Python that does the same arithmetic on floats, every
operation's rule taken from the op table (``autodiff.ops``). The result, a
:class:`Tape`, is bit for bit what building the Values and calling
``backward()`` would give, many times faster. The design: ``docs/replay.md``.

    tape      record, Tape, Replayed: recording and running a tape
    codegen   the code generator and its two passes
"""

from autodiff.replay.tape import Replayed, Tape, record

__all__ = ["Replayed", "Tape", "record"]
