"""Comparing two answers of one task type: the one home of the metrics that gold scoring and
agreement between annotators both stand on.

How alike two answers are depends only on the task type, so it lives here, below the domains that
use it: ``qualification.scoring`` compares an annotator's answer with the gold answer and adds pass
thresholds; ``agreement`` compares annotators with each other and with the consensus.

* :mod:`.answers` — per task type, an answer against a reference answer (``compare_answers``) and
  the similarity pieces that symmetric agreement reuses;
* :mod:`.text` — edit distance, WER/CER and per-language transcript normalisation;
* :mod:`.spans` — NER span matching (exact and overlap);
* :mod:`.geometry` — IoU of boxes, polygons and RLE masks;
* :mod:`.keypoints` — Object Keypoint Similarity;
* :mod:`.matching` — optimal one-to-one matching and its F1.

Import from the submodules: they load numpy and scipy, which ``marketplace.tasktypes`` itself
does not need.
"""
