"""Tests of qualification: gold scoring and its metrics."""
