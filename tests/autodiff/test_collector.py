"""autodiff.collector_paused: the collector is off inside, the caller's setting after."""

import gc

import pytest

from autodiff import Value, collector_paused


@pytest.fixture
def collector_on():
    """Start with the collector on, and leave it as the test found it."""
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


def values_alive() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


def test_off_inside_and_on_again_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.parametrize("error", [ValueError("bad input"), KeyboardInterrupt()])
def test_an_error_or_ctrl_c_inside_restores_the_setting(collector_on, error):
    with pytest.raises(type(error)), collector_paused():
        raise error
    assert gc.isenabled()


def test_a_caller_who_turned_it_off_keeps_it_off(collector_on):
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_pauses_turn_it_on_only_at_the_outermost_end(collector_on):
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_as_a_decorator(collector_on):
    @collector_paused()
    def build() -> bool:
        return gc.isenabled()

    assert build() is False
    assert gc.isenabled()


def test_a_graph_built_while_paused_is_freed_when_dropped(collector_on):
    # no cycles: reference counting frees the whole graph, no collection needed
    before = values_alive()
    with collector_paused():
        x = Value(0.5)
        for _ in range(2000):
            x = x * 0.5 + 0.25
        x.backward()
        assert values_alive() >= before + 4000
        del x
        assert values_alive() == before
