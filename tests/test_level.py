"""The level index: a stock of tension that events move and that decays toward neutral."""

import pandas as pd
import pytest

from metrics.level import default_gain, level_index


def scores(*rows):
    return pd.DataFrame(rows, columns=["date", "tension"])


def at(level: pd.DataFrame, day: str) -> float:
    return float(level.loc[level["date"] == pd.Timestamp(day), "level"].iloc[0])


def test_decay_halves_after_one_half_life():
    lv = level_index(scores(("2024-01-01", 80.0)), half_life_days=30, gain=1.0, end="2024-03-01")
    assert at(lv, "2024-01-01") == pytest.approx(80.0)
    assert at(lv, "2024-01-31") == pytest.approx(40.0)
    assert at(lv, "2024-03-01") == pytest.approx(20.0)
    # The half-life is a parameter, not a constant.
    lv = level_index(scores(("2024-01-01", 80.0)), half_life_days=10, gain=1.0, end="2024-01-11")
    assert at(lv, "2024-01-11") == pytest.approx(40.0)


def test_an_escalation_raises_the_level_and_cooperation_lowers_it():
    base = [(f"2024-01-{d:02d}", 0.0) for d in range(1, 21)]
    calm = level_index(scores(*base))
    tense = level_index(scores(*base, ("2024-01-10", 90.0)))
    assert at(tense, "2024-01-10") > at(calm, "2024-01-10")
    # The shock persists after the day it happened, fading.
    after = [at(tense, f"2024-01-{d:02d}") for d in (11, 15, 20)]
    assert after[0] > after[1] > after[2] > 0
    warm = level_index(scores(*base, ("2024-01-10", -90.0)))
    assert at(warm, "2024-01-10") < 0


def test_daily_feed_settles_at_the_held_tension_and_stays_on_the_scale():
    days = pd.date_range("2023-01-01", periods=400, freq="D")
    held = level_index(pd.DataFrame({"date": days, "tension": 40.0}))
    assert held.attrs["gain"] == pytest.approx(default_gain(30.0))
    assert held["level"].iloc[-1] == pytest.approx(40.0, abs=0.1)
    # Many outlets on one day count as that day's mean, not their sum.
    many = level_index(pd.DataFrame({"date": list(days) * 5, "tension": 40.0}))
    assert many["level"].iloc[-1] == pytest.approx(held["level"].iloc[-1])
    # A sparse run of extreme days cannot leave the -100..100 scale.
    burst = level_index(scores(*[(f"2024-05-{d:02d}", 95.0) for d in range(1, 8)]), gain=1.0)
    assert burst["level"].max() == 100.0


def test_monthly_frequency_reads_the_level_at_each_month_close():
    lv = level_index(scores(("2024-01-01", 80.0)), gain=1.0, end="2024-03-31", freq="month")
    assert list(lv["date"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]
    assert lv["level"].iloc[0] == pytest.approx(80.0 * 0.5 ** (30 / 30))
    assert lv["level"].is_monotonic_decreasing


def test_empty_and_undated_input():
    empty = level_index(pd.DataFrame({"date": [], "tension": []}))
    assert list(empty.columns) == ["date", "level"] and empty.empty
    undated = level_index(scores((None, 50.0), ("2024-01-01", None)))
    assert undated.empty
    with pytest.raises(ValueError, match="half_life_days"):
        level_index(scores(("2024-01-01", 1.0)), half_life_days=0)
