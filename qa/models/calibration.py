"""The rules' confidence model: a logistic model over the best answer's signals, and the fusion's BM25 weight, read
from ``calibration.json`` beside this file. ``qa calibrate`` fits it (``qa.training.calibrate``)."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.rules.signals import Signal

# the best span's signals the confidence model reads, in the order of its weights
FEATURES = (
    Signal.SCORE, Signal.CLAUSE, Signal.NEAR, Signal.SLOT, Signal.SENTENCE, Signal.SIMILARITY, Signal.RETRIEVAL,
    Signal.PERIOD, Signal.FIT, Signal.MISSING, Signal.MARGIN, Signal.NUMERIC, Signal.ANCHOR, Signal.GAP, Signal.HEAD,
)
DEFAULT_PATH = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class Calibration:
    """Logistic weights per feature, a bias, the abstention threshold and the fusion weight."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    lexical_weight: float
    fitted_on: str = ""
    notes: str = ""

    def confidence(self, features: dict[str, float]) -> float:
        """The probability that the best answer is right, from its signals."""
        z = self.bias + sum(w * float(features.get(name, 0.0)) for name, w in zip(FEATURES, self.weights))
        return 1.0 / (1.0 + math.exp(-z))

    def save(self, path: Path = DEFAULT_PATH) -> None:
        data = asdict(self)
        data["features"] = [str(f) for f in FEATURES]
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "Calibration | None":
        """The saved calibration, or None when there is none or it names other features."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data.pop("features", ())) != FEATURES:
            return None
        data["weights"] = tuple(data["weights"])
        return cls(**data)
