"""What the chart templates and the pages that fill them share: the dataset's name, the labels of a
service's own points and its peers', the workforce measures charted and each SPC template's name.

Apart from `charts` (which builds the templates with Altair), so that a page can be filled without
importing Altair: the templates come from the build cache (`chart_views.chart_templates`).
"""

ROWS = "rows"  # name of the dataset each template reads; `chart_views` binds it

FOCUS_LABEL = "This service"
PEER_LABEL = "Peer services, latest month"

WORKFORCE_MEASURES = {  # column -> facet label, in reading order
    "vacancy_rate": "Vacancy rate (%)",
    "turnover_rate_12m": "Turnover, 12 months (%)",
    "sickness_rate": "Sickness rate (%)",
    "agency_share": "Agency share of FTE (%)",
}


def spc_name(has_direction: bool, has_lines: bool, rebased: bool, forecast: bool = False) -> str:
    """The name of the SPC template for a measure with or without a direction, lines, rebases and a
    forecast."""
    return f"spc-{int(has_direction)}{int(has_lines)}{int(rebased)}{int(forecast)}"
