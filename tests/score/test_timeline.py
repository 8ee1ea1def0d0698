from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.score.timeline import timeline


def test_monthly_mean_count_interval_and_rolling():
    df = pd.DataFrame(
        {
            "date": [date(2023, 1, 5), date(2023, 1, 20), date(2023, 2, 1), date(2023, 3, 3), None],
            "tension": [10.0, 30.0, -40.0, np.nan, 99.0],
        }
    )
    tl = timeline(df, "month")
    assert list(tl["period"]) == [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 2, 1)]  # undated, NaN left out
    assert list(tl["end"]) == [pd.Timestamp(2023, 1, 31), pd.Timestamp(2023, 2, 28)]
    assert list(tl["mean"]) == [20.0, -40.0]
    assert list(tl["count"]) == [2, 1]
    assert tl["lo"][0] < 20 < tl["hi"][0]
    assert tl["lo"][1] == tl["hi"][1] == -40  # one article: no spread to show
    # The rolling mean is the mean of the window's articles, not of its period means.
    assert tl["rolling"][1] == pytest.approx((10 + 30 - 40) / 3) and tl["rolling_count"][1] == 3


def test_the_rolling_mean_spans_calendar_periods_not_the_last_periods_with_data():
    # January, then nothing until June: June's three-month window (April-June) holds only June.
    df = pd.DataFrame({"date": [date(2023, 1, 10), date(2023, 6, 10), date(2023, 7, 2)],
                       "tension": [80.0, -20.0, -40.0]})
    tl = timeline(df, "month")
    assert list(tl["period"].dt.month) == [1, 6, 7]
    assert tl["rolling"][1] == -20.0 and tl["rolling_count"][1] == 1
    assert tl["rolling"][2] == pytest.approx(-30.0)
    full = timeline(df, "month", empty=True)
    assert len(full) == 7 and list(full["count"]) == [1, 0, 0, 0, 0, 1, 1]
    assert full["mean"][1:5].isna().all()  # months without articles have no mean...
    assert list(full["rolling"][1:3]) == [80.0, 80.0] and np.isnan(full["rolling"][3])  # ...January's window ends in March
    assert full["period"][2] == pd.Timestamp(2023, 3, 1) and full["end"][2] == pd.Timestamp(2023, 3, 31)


def test_weeks_start_on_monday_and_days_are_days():
    df = pd.DataFrame({"date": [date(2023, 6, 18), date(2023, 6, 19)], "tension": [1.0, 3.0]})
    assert list(timeline(df, "week")["period"]) == [pd.Timestamp(2023, 6, 12), pd.Timestamp(2023, 6, 19)]
    assert len(timeline(df, "day")) == 2


def test_bad_period():
    with pytest.raises(ValueError):
        timeline(pd.DataFrame({"date": [], "tension": []}), "year")


@pytest.mark.parametrize("period,freq", [("day", "D"), ("week", "W-SUN"), ("month", "M")])
def test_period_statistics_match_a_direct_groupby_on_irregular_news(period, freq):
    # Bursts and silences across a year boundary, undated and unscored articles among them.
    rng = np.random.default_rng(7)
    days = np.concatenate([rng.integers(0, 20, 30), rng.integers(200, 230, 25), [400, 401, 401, 402]])
    df = pd.DataFrame({"date": pd.Timestamp(2022, 11, 25) + pd.to_timedelta(days, unit="D"),
                       "tension": rng.uniform(-100, 100, len(days)).round(1)})
    df.loc[[3, 40], "date"] = pd.NaT
    df.loc[[5, 41, 57], "tension"] = np.nan
    full = timeline(df, period, empty=True)
    kept = df.dropna()
    g = kept.groupby(kept["date"].dt.to_period(freq))["tension"]
    expect = pd.DataFrame({"mean": g.mean(), "count": g.count(), "sd": g.std()})
    calendar = pd.period_range(expect.index.min(), expect.index.max(), freq=freq)
    expect = expect.reindex(calendar)
    assert list(full["period"]) == list(calendar.start_time)
    assert list(full["count"]) == list(expect["count"].fillna(0).astype(int))
    np.testing.assert_allclose(full["mean"], expect["mean"], equal_nan=True)
    np.testing.assert_allclose(full["sd"], expect["sd"], equal_nan=True)
    window = kept.groupby(kept["date"].dt.to_period(freq))["tension"].agg(["sum", "count"]).reindex(calendar).fillna(0)
    r_sum, r_n = window["sum"].rolling(3, min_periods=1).sum(), window["count"].rolling(3, min_periods=1).sum()
    np.testing.assert_allclose(full["rolling"], (r_sum / r_n.where(r_n > 0)).to_numpy(), equal_nan=True)
    assert list(full["rolling_count"]) == list(r_n.astype(int))
    assert (full["lo"] <= full["mean"]).where(full["count"] > 0, True).all()
