"""Operations: running the scorer at scale (``engine``: in-process or on Dask) and measuring its
speed against a floor in the same run (``bench``)."""
