"""The array types that cross module boundaries: float32 vectors and int64 numbers.

Apart from ``documents`` so that what only handles plain data (the serve supervisor, the
clients' configuration) does not import numpy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
Numbers = npt.NDArray[np.int64]  # row numbers, spans, counts
# Per-row tables a serving process holds for its life (spans, sizes): half the memory.
SmallNumbers = npt.NDArray[np.int32]
