"""Rows stored once however often they repeat, compared by their bits."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def distinct_rows(rows: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.int32]]:
    """Each distinct row of a 2-D array once, in the order rows first appear (neighbouring rows
    stay close), and each row's number among them."""
    rows = np.ascontiguousarray(rows)
    whole = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    _, firsts, numbers = np.unique(whole, return_index=True, return_inverse=True)
    order = np.argsort(firsts)
    renumber = np.empty(len(order), dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    return rows[firsts[order]], renumber[numbers.ravel()]
