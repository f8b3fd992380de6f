"""Local measures of this project: every public function (ds, year) here is a figure of the report.

See ``cpstats.figures.local``: the figure is named after the function, protected like any other
(``KINDS`` says whether it counts people or something else, ``RELATIONS`` which figures it is the
sum of, so that no withheld count can be worked out from it), shown in notebooks as
``report.values["under_5s"]`` and named in commentary as ``{{ under_5s }}``.
"""

KINDS = {"under_5s": "people"}
RELATIONS = {"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]}


def under_5s(ds, year):
    """Children subject of a plan at any time in the year who were under 5 on 31 March (or unborn)."""
    from cpstats.figures.measures import age_bands

    bands = age_bands(ds, year)
    return bands["unborn"] + bands["under_1"] + bands["1_to_4"]
