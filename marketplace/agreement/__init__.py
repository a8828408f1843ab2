"""Agreement: inter-annotator agreement (IAA) per language, class and annotator, and consensus.

The metrics are pure functions in :mod:`marketplace.agreement.metrics` (Krippendorff's α on
coincidence matrices, Fleiss' and Cohen's κ, per-class α, bootstrap intervals), with the coincidence
matrix itself in :mod:`marketplace.agreement.coincidence` and the pairwise agreement of two answers
per task type in :mod:`marketplace.agreement.task_metrics`. Import them from there, so loading this
package doesn't load numpy and scipy.
"""
