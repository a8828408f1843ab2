"""Dawid & Skene (1979), Table 1: 45 patients, 5 anaesthetists, 4 classes (ratings 1–4).

Each row: patient number, observer 1's three ratings of that patient (observer 1 assessed every
patient three times), then one rating each from observers 2, 3, 4 and 5.

Published estimates (from the same paper: Table 2, estimated class proportions; Table 3, observer
1's error rates; Table 4, the final patient classifications) are the constants below. They are
quoted from the tables as reproduced in a public test suite of an unrelated implementation (the
paper itself was not at hand); the data were checked against a second, independent transcription.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

TABLE_1 = """
 1 111 1 1 1 1
 2 333 4 3 3 4
 3 112 2 1 2 2
 4 222 3 1 2 1
 5 222 3 2 2 2
 6 222 3 3 2 2
 7 122 2 1 1 1
 8 333 3 4 3 3
 9 222 2 2 2 3
10 232 2 2 2 3
11 444 4 4 4 4
12 222 3 3 4 3
13 111 1 1 1 1
14 222 3 2 1 2
15 121 1 1 1 1
16 111 2 1 1 1
17 111 1 1 1 1
18 111 1 1 1 1
19 222 2 2 2 1
20 222 1 3 2 2
21 222 2 2 2 2
22 222 2 2 2 1
23 222 3 2 2 2
24 221 2 2 2 2
25 111 1 1 1 1
26 111 1 1 1 1
27 232 2 2 2 2
28 111 1 1 1 1
29 111 1 1 1 1
30 112 1 1 2 1
31 111 1 1 1 1
32 333 3 2 3 3
33 111 1 1 1 1
34 222 2 2 2 2
35 222 3 2 3 2
36 433 4 3 4 3
37 221 2 2 3 2
38 232 3 2 3 3
39 333 3 4 3 2
40 111 1 1 1 1
41 111 1 1 1 1
42 121 2 1 1 1
43 232 2 2 2 2
44 121 1 1 1 1
45 222 2 2 2 2
"""

#: Table 2: estimated class proportions p̂_j, to two decimals.
PUBLISHED_PRIORS = (0.40, 0.42, 0.11, 0.07)
#: Table 3: observer 1's estimated error rates π̂_jl (row j = true class, column l = rating).
PUBLISHED_OBSERVER_1 = (
    (0.89, 0.11, 0.00, 0.00),
    (0.07, 0.88, 0.05, 0.00),
    (0.00, 0.34, 0.66, 0.00),
    (0.00, 0.00, 0.56, 0.44),
)
#: Table 4: the final estimates T̂_ij of patients 1–6, to two decimals.
PUBLISHED_PATIENTS_1_TO_6 = (
    (1.0, 0.0, 0.0, 0.0),
    (0.0, 0.0, 0.0, 1.0),
    (0.0, 1.0, 0.0, 0.0),
    (0.0, 1.0, 0.0, 0.0),
    (0.0, 1.0, 0.0, 0.0),
    (0.0, 1.0, 0.0, 0.0),
)


def count_tensor() -> NDArray[np.float64]:
    """The table as counts: patients × observers × classes."""
    counts = np.zeros((45, 5, 4))
    for line in TABLE_1.strip().splitlines():
        patient, first, *others = line.split()
        i = int(patient) - 1
        for rating in first:
            counts[i, 0, int(rating) - 1] += 1
        for k, rating in enumerate(others, start=1):
            counts[i, k, int(rating) - 1] += 1
    return counts
