"""Fusion of lexical and dense scores: pure functions over score arrays."""
from __future__ import annotations

import numpy as np


def normalise_max(scores: np.ndarray) -> np.ndarray:
    """Scale non-negative scores into 0..1 by their maximum (all zeros stay zeros)."""
    scores = np.clip(np.asarray(scores, dtype=np.float64), 0.0, None)
    top = scores.max() if scores.size else 0.0
    return scores / top if top > 0 else scores


def weighted_fusion(lexical: np.ndarray, dense: np.ndarray, *, lexical_weight: float) -> np.ndarray:
    """``w * lexical/max(lexical) + (1 - w) * dense`` per passage; dense scores are cosines already in -1..1.

    Takes two arrays aligned by passage and the weight in 0..1; returns the fused array.
    """
    if not 0.0 <= lexical_weight <= 1.0:
        raise ValueError("lexical_weight must lie in 0..1")
    return lexical_weight * normalise_max(lexical) + (1 - lexical_weight) * np.clip(np.asarray(dense, dtype=np.float64), 0.0, None)
