from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.timeline import timeline


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
