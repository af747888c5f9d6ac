"""The measures the sweep report shows: one entry per column, with its heading, meaning and unit.

To show a new column of ``summaries.parquet`` (say the model gains a saw-tooth-free value-added
measure ``succession_va_lost_3y``), add one :class:`Measure` to :data:`AFTER_DEPARTURE` (or
:data:`AT_THE_END`); a time-series column followed over time or paired against the no-departure
run goes into :data:`OVER_TIME` or :data:`PAIRED`. A column named in a spec's ``outputs:`` that is
not listed here is shown too, under its own name (:func:`describe`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AFTER_DEPARTURE",
    "AT_THE_END",
    "LEFT",
    "LEFT_YEAR",
    "OVER_TIME",
    "PAIRED",
    "SHARE_KEPT",
    "Measure",
    "PairedMeasure",
    "describe",
]


@dataclass(frozen=True)
class Measure:
    """A column the report shows.

    Attributes:
        column: its name in summaries.parquet (or the time series).
        heading: a short heading for tables and charts.
        meaning: what it is, in a sentence a non-programmer reads.
        unit: ``sd`` (standard deviations of attainment), ``sd_year`` (SD per school year),
            ``share`` (shown as %), ``years``, or ``level`` (a 0-1 level, no unit).
    """

    column: str
    heading: str
    meaning: str
    unit: str = "level"


@dataclass(frozen=True)
class PairedMeasure:
    """A time-series column compared, run by run, with the same school in which the head stayed.

    ``how`` is ``week`` (the value in the week N years after the departure, the same week of the
    school year in both runs) or ``year`` (the mean over the N-th school year after the departure).
    """

    column: str
    heading: str
    meaning: str
    how: str
    unit: str


#: followed over time (median and 90 % band per group)
OVER_TIME: tuple[Measure, ...] = (
    Measure(
        "attainment",
        "Attainment",
        "students' mean attainment, in standard deviations (SD) of progress above what was expected at the start",
        "sd",
    ),
    Measure("learning_gain", "Value added", "the school's value added this week, in SD per school year", "sd_year"),
    Measure("leadership_capacity", "Leadership capacity", "teachers' mean leadership capacity (0 none, 1 full)"),
    Measure("trust", "Trust", "teachers' mean trust in the head and in colleagues (0 none, 1 full)"),
    Measure(
        "cynicism", "Cynicism", "teachers' mean cynicism about improvement efforts (0 none, 1 full; higher is worse)"
    ),
    Measure(
        "routines",
        "Routines",
        "the mean strength of the school's improvement routines: data meetings, peer observation, protected team "
        "time, a mentoring scheme, behaviour routines and the student council (0 none, 1 all at full strength)",
    ),
)

#: paired against the no-departure run of the same replicate, at 1, 3 and 5 years
PAIRED: tuple[PairedMeasure, ...] = (
    PairedMeasure(
        "attainment",
        "Attainment",
        "students' mean attainment in the week N years after the departure, minus the same week of the same "
        "school in which the head stayed (SD)",
        "week",
        "sd",
    ),
    PairedMeasure(
        "learning_gain",
        "Value added",
        "the school's mean value added over the N-th school year after the departure, minus the same year of "
        "the same school in which the head stayed (SD per year)",
        "year",
        "sd_year",
    ),
)
#: years after the departure at which paired differences are read
PAIRED_YEARS = (1, 3, 5)

#: what the departing head left in the school, paired like :data:`PAIRED` and read at :data:`LEFT_YEAR`:
#: the places the model keeps improvement (people's practice and capacity, the distribution of
#: leading, the routines, the roles), so a reader can see which of them a departure took away (issue 12)
LEFT: tuple[PairedMeasure, ...] = (
    PairedMeasure(
        "teaching_practice",
        "Teaching practice",
        "teachers' mean practice (0-1) in the week N years after the departure, minus the same school in which "
        "the head stayed",
        "week",
        "level",
    ),
    PairedMeasure(
        "practice_owned",
        "Practice owned",
        "the share of teachers' practice they own rather than comply with, N years after, minus the same school "
        "in which the head stayed",
        "week",
        "level",
    ),
    PairedMeasure(
        "leadership_capacity",
        "Leadership capacity",
        "teachers' mean leadership capacity (0-1) N years after, minus the same school in which the head stayed",
        "week",
        "level",
    ),
    PairedMeasure(
        "distribution_index",
        "Distribution",
        "the share of leadership acts not performed by the head (0-1) N years after, minus the same school in "
        "which the head stayed",
        "week",
        "level",
    ),
    PairedMeasure(
        "routines",
        "Routines",
        "the mean strength of the school's improvement routines (0-1) N years after, minus the same school in "
        "which the head stayed",
        "week",
        "level",
    ),
    PairedMeasure(
        "roles_held",
        "Roles",
        "the share of teachers with a leadership role (a formal post or a whole-school role) N years after, minus "
        "the same school in which the head stayed",
        "week",
        "level",
    ),
)
#: the year after the departure at which :data:`LEFT` is read (as the headline's middle year)
LEFT_YEAR = 3

#: around the first departure, within the run: absolute measures, defined for every run
AFTER_DEPARTURE: tuple[Measure, ...] = (
    Measure(
        "succession_lost_1y",
        "Lost after 1 year",
        "attainment one year after the head left below its level just before (SD; negative: it rose)",
        "sd",
    ),
    Measure(
        "succession_lost_3y",
        "Lost after 3 years",
        "attainment three years after the head left below its level just before (SD)",
        "sd",
    ),
    Measure(
        "succession_lost_5y",
        "Lost after 5 years",
        "attainment five years after the head left below its level just before (SD)",
        "sd",
    ),
    Measure(
        "succession_deepest_drop",
        "Deepest drop",
        "largest fall of attainment below its level before the departure, within five years (SD)",
        "sd",
    ),
    Measure(
        "succession_years_to_recover",
        "Years to recover",
        "whole years from the departure until attainment, read at the same time of year, was back at its "
        "level before, after its lowest reading within five years; 0 if it never fell (runs that never got "
        "back are left out and counted)",
        "years",
    ),
    Measure(
        "succession_capacity_kept_3y",
        "Capacity kept after 3 years",
        "teachers' leadership capacity three years on, as a share of its level before the departure",
        "share",
    ),
    Measure(
        "succession_gain_before",
        "Gain before",
        "attainment gained from the start of the run to the departure (SD)",
        "sd",
    ),
)

#: the ratio "share of the gain kept": shown only where the gain before was clearly above noise
SHARE_KEPT: tuple[Measure, ...] = (
    Measure(
        "succession_kept_1y",
        "Share kept after 1 year",
        "the share of the gain kept one year after the head left",
        "share",
    ),
    Measure(
        "succession_kept_3y",
        "Share kept after 3 years",
        "the share of the gain kept three years after the head left",
        "share",
    ),
    Measure(
        "succession_kept_5y",
        "Share kept after 5 years",
        "the share of the gain kept five years after the head left",
        "share",
    ),
)

#: where the runs ended (sweeps in which no head left)
AT_THE_END: tuple[Measure, ...] = (
    Measure("final_attainment", "Attainment at the end", "students' mean attainment at the end of the run (SD)", "sd"),
    Measure("final_leadership_capacity", "Capacity at the end", "teachers' mean leadership capacity at the end"),
    Measure("final_trust", "Trust at the end", "teachers' mean trust at the end"),
    Measure("final_cynicism", "Cynicism at the end", "teachers' mean cynicism at the end"),
    Measure(
        "final_routines", "Routines at the end", "the mean strength of the school's improvement routines at the end"
    ),
    Measure(
        "mean_distribution_index",
        "Distribution",
        "mean share of leadership acts not performed by the head over the run",
        "share",
    ),
)

#: words for outputs that are not in the lists above
_EXTRA_WORDS = {
    "succession_level_before": ("Level before", "attainment just before the head left (SD)", "sd"),
    "succession_capacity_kept_1y": (
        "Capacity kept after 1 year",
        "leadership capacity one year on, as a share of its level before",
        "share",
    ),
    "succession_capacity_kept_5y": (
        "Capacity kept after 5 years",
        "leadership capacity five years on, as a share of its level before",
        "share",
    ),
    "mean_teacher_turnover": ("Teacher turnover", "the mean yearly teacher turnover", "share"),
}


def describe(column: str) -> Measure:
    """The measure of a summary column: from the lists above, else named after the column itself."""
    for m in AFTER_DEPARTURE + SHARE_KEPT + AT_THE_END + OVER_TIME:
        if m.column == column:
            return m
    if column in _EXTRA_WORDS:
        return Measure(column, *_EXTRA_WORDS[column])
    if column.startswith("final_"):
        name = column.removeprefix("final_").replace("_", " ")
        return Measure(column, f"{name.capitalize()} at the end", f"{name} at the end of the run")
    return Measure(column, column.replace("_", " ").capitalize(), f"the run's {column}")
