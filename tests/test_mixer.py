from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerdistill.core.errors import NerdistillError
from nerdistill.schedules import EpochMixer, make_schedule


def mixer(spec, epochs=20, distilled=1966, original=1000, **kwargs):
    return EpochMixer(make_schedule(spec), epochs=epochs, distilled_size=distilled, original_size=original, **kwargs)


def counts(examples):
    return Counter(e.source for e in examples)


def test_simple_mix_reproduces_group_e():
    m = mixer("simple_mix")
    assert [(p.distilled_count, p.original_count) for p in m.plan] == [(1966, 0)] * 10 + [(0, 1000)] * 10
    assert counts(m.epoch(0)) == {"distilled": 1966}
    assert sorted(e.index for e in m.epoch(15)) == list(range(1000))


def test_all_uses_both_sources_whole():
    for epoch in (0, 19):
        assert counts(mixer("all").epoch(epoch)) == {"distilled": 1966, "original": 1000}


def test_sample_mode_counts_round_half_up_and_draw_without_replacement():
    m = mixer("cosine", epochs=5, distilled=10, original=10)
    assert [(p.distilled_count, p.original_count) for p in m.plan] == [(10, 0), (9, 1), (5, 5), (1, 9), (0, 10)]
    examples = m.epoch(1)
    assert len({(e.source, e.index) for e in examples}) == len(examples) == 10
    assert {e.weight for e in examples} == {1.0}


def test_same_seed_and_epoch_same_data_other_epoch_other_order():
    a, b = mixer("sigmoid:k=4", seed=7), mixer("sigmoid:k=4", seed=7)
    assert a.epoch(3) == b.epoch(3)
    assert a.epoch(3) != mixer("sigmoid:k=4", seed=8).epoch(3)
    first, second = mixer("all").epoch(0), mixer("all").epoch(1)
    assert sorted((e.source, e.index) for e in first) == sorted((e.source, e.index) for e in second)
    assert first != second


def test_loss_mode_weights_every_example_of_weighted_sources():
    m = mixer("cosine", epochs=5, distilled=4, original=6, mode="loss")
    middle = m.epoch(2)
    assert counts(middle) == {"distilled": 4, "original": 6}
    assert {e.weight for e in middle} == {0.5}
    assert counts(m.epoch(0)) == {"distilled": 4}  # original weight 0: left out
    w = make_schedule("cosine").schedule.weights(1, 5)
    assert {(e.source, e.weight) for e in m.epoch(1)} == {("distilled", w[0]), ("original", w[1])}


def test_an_empty_epoch_is_a_configuration_error():
    with pytest.raises(NerdistillError, match=r"simple_mix leaves epoch\(s\) 10, 11.*0 original"):
        mixer("simple_mix", original=0)
    with pytest.raises(NerdistillError, match="unknown mix mode"):
        mixer("cosine", mode="blend")


@settings(max_examples=60)
@given(spec=st.sampled_from(["simple_mix", "cosine", "all", "power:n=0.5", "sigmoid:k=16", "pure_distilled"]),
       epochs=st.integers(1, 25), distilled=st.integers(1, 50), original=st.integers(1, 50),
       seed=st.integers(0, 10**6))
def test_every_epoch_matches_its_plan(spec, epochs, distilled, original, seed):
    m = mixer(spec, epochs=epochs, distilled=distilled, original=original, seed=seed)
    for plan in m.plan:
        got = counts(m.epoch(plan.epoch))
        assert (got["distilled"], got["original"]) == (plan.distilled_count, plan.original_count)
