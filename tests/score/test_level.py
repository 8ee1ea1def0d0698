"""The level index: a stock of tension that events move and that decays toward neutral."""

import pandas as pd
import pytest

from metrics.score.level import level_index


def scores(*rows):
    return pd.DataFrame(rows, columns=["date", "tension"])


def at(level: pd.DataFrame, day: str) -> float:
    return float(level.loc[level["date"] == pd.Timestamp(day), "level"].iloc[0])


def test_one_article_lifts_the_level_and_fades_with_the_half_life():
    lv = level_index(scores(("2024-01-01", 80.0)), half_life_days=30, end="2024-03-01")
    assert at(lv, "2024-01-01") == pytest.approx(40.0)  # 80 x 1 / (1 + 1)
    assert at(lv, "2024-01-31") == pytest.approx(80 * 0.5 / 1.5)
    assert at(lv, "2024-03-01") == pytest.approx(80 * 0.25 / 1.25)
    lv = level_index(scores(("2024-01-01", 80.0)), half_life_days=10, end="2024-01-11")
    assert at(lv, "2024-01-11") == pytest.approx(80 * 0.5 / 1.5)


def test_an_escalation_raises_the_level_and_cooperation_lowers_it():
    base = [(f"2024-01-{d:02d}", 0.0) for d in range(1, 21)]
    calm = level_index(scores(*base))
    tense = level_index(scores(*base, ("2024-01-10", 90.0)))
    assert at(tense, "2024-01-10") > at(calm, "2024-01-10")
    after = [at(tense, f"2024-01-{d:02d}") for d in (11, 15, 20)]
    assert after[0] > after[1] > after[2] > 0  # the shock persists, fading
    warm = level_index(scores(*base, ("2024-01-10", -90.0)))
    assert at(warm, "2024-01-10") < 0


def test_a_steady_stream_settles_near_its_tension_and_stays_on_the_scale():
    days = pd.date_range("2023-01-01", periods=400, freq="D")
    held = level_index(pd.DataFrame({"date": days, "tension": 40.0}))
    assert 39 < held["level"].iloc[-1] < 40
    burst = level_index(pd.DataFrame({"date": list(days) * 5, "tension": 99.0}))
    assert burst["level"].max() < 100


def test_adding_articles_never_rewrites_the_past():
    early = scores(("2024-01-01", 50.0), ("2024-02-01", -20.0))
    more = scores(("2024-01-01", 50.0), ("2024-02-01", -20.0), ("2024-03-01", 90.0), ("2024-03-02", 10.0))
    a = level_index(early).set_index("date")["level"]
    b = level_index(more).set_index("date")["level"]
    pd.testing.assert_series_equal(a, b.loc[a.index])


def test_monthly_frequency_reads_the_level_at_each_month_close():
    lv = level_index(scores(("2024-01-01", 80.0)), end="2024-03-31", freq="month")
    assert list(lv["date"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]
    assert lv["level"].is_monotonic_decreasing


def test_empty_and_undated_input_and_bad_parameters():
    empty = level_index(pd.DataFrame({"date": [], "tension": []}))
    assert list(empty.columns) == ["date", "level"] and empty.empty
    assert level_index(scores((None, 50.0), ("2024-01-01", None))).empty
    with pytest.raises(ValueError, match="half_life_days"):
        level_index(scores(("2024-01-01", 1.0)), half_life_days=0)
    with pytest.raises(ValueError, match="prior"):
        level_index(scores(("2024-01-01", 1.0)), prior=0)
