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
    assert list(tl["mean"]) == [20.0, -40.0]
    assert list(tl["count"]) == [2, 1]
    assert tl["lo"][0] < 20 < tl["hi"][0]
    assert tl["lo"][1] == tl["hi"][1] == -40  # one article: no spread to show
    assert tl["rolling"][1] == pytest.approx(-10.0)


def test_weeks_start_on_monday_and_days_are_days():
    df = pd.DataFrame({"date": [date(2023, 6, 18), date(2023, 6, 19)], "tension": [1.0, 3.0]})
    assert list(timeline(df, "week")["period"]) == [pd.Timestamp(2023, 6, 12), pd.Timestamp(2023, 6, 19)]
    assert len(timeline(df, "day")) == 2


def test_bad_period():
    with pytest.raises(ValueError):
        timeline(pd.DataFrame({"date": [], "tension": []}), "year")
