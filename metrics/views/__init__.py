"""Views: what the dashboard and the command line show, computed without Streamlit.

Figures, the headline, labels, presets, slider ranges, downloads, an article's HTML, the
drill-down, filters and the view's URL parameters are plain functions of scores and features, so
they are tested without a browser and ``ui/`` only lays them out.
"""
