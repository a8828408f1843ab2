"""Qualification: gold sets, exams, hidden gold, rolling accuracy and suspension.

Scoring an answer against gold lives in :mod:`marketplace.qualification.scoring`, on top of the
answer comparison of each task type in :mod:`marketplace.tasktypes.comparison` (shared with
agreement); import it from there, so loading this package doesn't load numpy and scipy.
"""
