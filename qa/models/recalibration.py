"""The confidence an answer states, mapped so that it holds on reports the models were not built on.

The ranker's and the rules' confidences were fitted on the five seed reports; on reports from anywhere they
overstate (0.9 was right about 0.8 of the time on the development corpus). ``recalibration.json`` beside this file
is a monotone map (isotonic, as interpolation points) from the confidence the answerer computes to the one it states,
fitted on the development corpus's train split only (questions and conversation turns over reports no dev or test
question is over; ``scripts/fit_recalibration.py``). It changes no answer and no abstention: only the number.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DEFAULT_PATH = Path(__file__).with_name("recalibration.json")


@dataclass(frozen=True)
class Recalibration:
    """Interpolation points (``xs`` ascending, ``ys`` non-decreasing) of the confidence stated for one computed."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    fitted_on: str = ""
    notes: dict | None = None

    def __post_init__(self) -> None:
        if len(self.xs) != len(self.ys) or len(self.xs) < 2 or list(self.xs) != sorted(self.xs) or list(self.ys) != sorted(self.ys):
            raise ValueError("a recalibration needs at least two points, ascending in both coordinates")

    def __call__(self, confidence: float) -> float:
        return round(float(np.interp(confidence, self.xs, self.ys)), 4)

    def save(self, path: Path = DEFAULT_PATH) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "Recalibration | None":
        """The shipped map, or None when there is none."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(data["xs"]), tuple(data["ys"]), data.get("fitted_on", ""), data.get("notes"))
