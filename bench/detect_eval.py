"""Evaluate the detector on the labelled set: precision, recall, F1 and every miss.

Usage (from the repository root):  python bench/detect_eval.py [path/to/set.jsonl]
A post counts as flagged when its severity is at least "medium" (the default
[alerts] min_severity). Uses the shipped lexicon (watchlists/lexicon/*.toml) and
DEFAULT_THRESHOLDS. Always exits 0; tests/test_detector_eval.py enforces the bar.
"""
from __future__ import annotations

import json
import pathlib
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts.detect import DEFAULT_THRESHOLDS, Detection, Detector, severity_at_least  # noqa: E402
from alerts.lexicon import load_lexicon  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "data" / "detector_eval.jsonl"
MIN_SEVERITY = "medium"


@dataclass(frozen=True)
class Result:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int
    false_positives: tuple[tuple[dict, Detection], ...]
    false_negatives: tuple[tuple[dict, Detection], ...]


def load_rows(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict], detector: Detector | None = None) -> Result:
    if detector is None:
        detector = Detector(load_lexicon(sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))),
                            DEFAULT_THRESHOLDS)
    tp = fp = fn = tn = 0
    fps, fns = [], []
    for row in rows:
        detection = detector.detect(row["text"])
        flagged = severity_at_least(detection.severity, MIN_SEVERITY)
        if flagged and row["label"]:
            tp += 1
        elif flagged:
            fp += 1
            fps.append((row, detection))
        elif row["label"]:
            fn += 1
            fns.append((row, detection))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Result(precision, recall, f1, tp, fp, fn, tn, tuple(fps), tuple(fns))


def _explain(row: dict, detection: Detection) -> str:
    lines = [f"  [{row['id']}] score={detection.score} severity={detection.severity} "
             f"note={row.get('note', '')!r}", f"      text: {row['text']}"]
    for m in detection.matches:
        lines.append(f"      - {m.category:9} {row['text'][m.start:m.end]!r} -> {m.term!r}: {m.reason}")
    if not detection.matches:
        lines.append("      (no matches)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = pathlib.Path(argv[1]) if len(argv) > 1 else DEFAULT_SET
    rows = load_rows(path)
    result = evaluate(rows)
    positives = sum(1 for r in rows if r["label"])
    print(f"set: {path} ({len(rows)} posts, {positives} positive), alert at severity >= {MIN_SEVERITY}")
    print(f"precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}  "
          f"(tp {result.tp}, fp {result.fp}, fn {result.fn}, tn {result.tn})")
    print(f"\nfalse positives ({result.fp}):")
    for row, det in result.false_positives:
        print(_explain(row, det))
    print(f"\nfalse negatives ({result.fn}):")
    for row, det in result.false_negatives:
        print(_explain(row, det))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
