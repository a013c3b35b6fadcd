import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerdistill.core.errors import NerdistillError
from nerdistill.schedules import make_schedule, parse_spec, progress


def w0(spec, epoch, epochs):
    return make_schedule(spec).schedule.weights(epoch, epochs)[0]


@pytest.mark.parametrize("spec, epoch, epochs, expected", [
    # sigmoid: 1 - 1/(1 + exp(-k (x - 0.5))), x = t/(T-1)
    ("sigmoid:k=2", 0, 20, 1 - 1 / (1 + math.e ** 1)),          # 0.7311
    ("sigmoid:k=2", 19, 20, 1 - 1 / (1 + math.e ** -1)),        # 0.2689
    ("sigmoid:k=32", 0, 20, 0.99999988746),
    ("sigmoid:k=8", 5, 11, 0.5),                                # x = 0.5 exactly
    ("sigmoid:k=4", 3, 5, 0.26894142137),                       # x = 0.75
    # cosine: 0.5 (1 + cos(pi x))
    ("cosine", 0, 20, 1.0), ("cosine", 19, 20, 0.0), ("cosine", 2, 5, 0.5),
    ("cosine", 1, 5, 0.85355339059),                            # 0.5 (1 + cos(pi/4))
    # power: 1 - x^n
    ("power:n=2", 1, 3, 0.75), ("power:n=0.5", 1, 5, 0.5), ("power:n=1", 3, 5, 0.25),
    ("power:n=10", 19, 20, 0.0), ("power:n=0.1", 0, 20, 1.0),
    # simple mix: 1 if t < T/2
    ("simple_mix", 9, 20, 1.0), ("simple_mix", 10, 20, 0.0),
    ("simple_mix", 2, 5, 1.0), ("simple_mix", 3, 5, 0.0),       # odd T: the middle epoch is distilled
    ("pure_distilled", 7, 20, 1.0), ("pure_original", 7, 20, 0.0),
])
def test_formulas_against_hand_computed_values(spec, epoch, epochs, expected):
    assert w0(spec, epoch, epochs) == pytest.approx(expected, abs=1e-9)


def test_original_weight_is_the_complement_except_for_all():
    assert make_schedule("sigmoid:k=8").schedule.weights(3, 20) == pytest.approx(
        (w0("sigmoid:k=8", 3, 20), 1 - w0("sigmoid:k=8", 3, 20)))
    assert make_schedule("all").schedule.curve(4) == [(1.0, 1.0)] * 4


def test_a_single_epoch_is_the_start_of_the_schedule():
    assert progress(0, 1) == 0.0
    assert [w0(s, 0, 1) for s in ("simple_mix", "cosine", "power:n=2")] == [1.0, 1.0, 1.0]
    assert w0("sigmoid:k=2", 0, 1) == pytest.approx(1 - 1 / (1 + math.e))


def test_epoch_out_of_range():
    with pytest.raises(ValueError):
        w0("cosine", 5, 5)


@pytest.mark.parametrize("spec, message", [
    ("sigmod:k=2", "unknown schedules 'sigmod'. Did you mean 'sigmoid'"),
    ("sigmoid", "missing parameter 'k'"),
    ("sigmoid:k=2,q=1", "unknown parameter 'q'. Parameters of 'sigmoid': k"),
    ("sigmoid:k=-1", "k: Input should be greater than 0"),
    ("power:n=abc", "n: Input should be a valid number"),
    ("sigmoid:k", "'k' is not key=value"),
    ({"k": 2}, "needs a 'name'"),
])
def test_bad_specs_say_what_is_valid(spec, message):
    with pytest.raises(NerdistillError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make_schedule(spec, option="schedules[0]")


def test_spec_forms_agree():
    assert parse_spec("sigmoid:k=32") == ("sigmoid", {"k": 32})
    assert make_schedule({"name": "sigmoid", "k": 32}).label == make_schedule("sigmoid:k=32").label == "sigmoid:k=32"


monotonic = st.sampled_from(["cosine", "simple_mix"]) | st.builds("sigmoid:k={}".format,
                                                                    st.floats(0.01, 60)) | st.builds(
    "power:n={}".format, st.floats(0.01, 20))


@given(monotonic, st.integers(min_value=1, max_value=60))
def test_decays_are_monotonic_and_bounded(spec, epochs):
    curve = [w for w, _ in make_schedule(spec).schedule.curve(epochs)]
    assert all(0.0 <= w <= 1.0 for w in curve)
    assert all(a >= b for a, b in zip(curve, curve[1:]))


def test_the_cli_shows_and_plots(run_cli, tmp_path):
    import json

    shown = json.loads(run_cli("schedules", "show", "sigmoid", "-p", "k=32", "--epochs", 20, "--json").output)
    assert shown["schedule"] == "sigmoid:k=32" and len(shown["weights"]) == 20
    assert shown["weights"][19]["original"] == pytest.approx(1 - w0("sigmoid:k=32", 19, 20))
    image = tmp_path / "figure3.png"
    result = run_cli("schedules", "plot", "simple_mix", "sigmoid:k=8", "cosine", "power:n=2", "-o", image)
    assert result.exit_code == 0, result.output
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run_cli("schedules", "show", "nope").exit_code == 1
