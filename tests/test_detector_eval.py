"""The detector must keep precision and recall >= 0.95 on the labelled set."""
from __future__ import annotations

import collections
import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SET = ROOT / "tests" / "data" / "detector_eval.jsonl"


def _eval_module():
    spec = importlib.util.spec_from_file_location("detect_eval", ROOT / "bench" / "detect_eval.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("detect_eval", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_labelled_set_is_well_formed() -> None:
    rows = _eval_module().load_rows(SET)
    assert len(rows) >= 300
    assert all(set(r) == {"id", "text", "label", "note"} and isinstance(r["label"], bool) for r in rows)
    ids = collections.Counter(r["id"] for r in rows)
    assert max(ids.values()) == 1
    share = sum(r["label"] for r in rows) / len(rows)
    assert 0.40 <= share <= 0.50


def test_precision_and_recall_at_least_095() -> None:
    module = _eval_module()
    result = module.evaluate(module.load_rows(SET))
    misses = [r["id"] for r, _ in result.false_positives + result.false_negatives]
    assert result.precision >= 0.95, (result.precision, misses)
    assert result.recall >= 0.95, (result.recall, misses)
