"""Qualification: gold sets, exams, hidden gold, rolling accuracy and suspension.

Scoring an answer against gold lives in :mod:`marketplace.qualification.scoring` (with its metric
helpers ``text_metrics``, ``spans``, ``geometry``, ``keypoints`` and ``matching``); import it from
there, so loading this package doesn't load numpy and scipy.
"""
