"""Evaluate the detector on real posts and on the team's trap set, next to a keyword baseline.

Usage (from the repository root):

    python bench/detect_eval.py                 # real dev set (../shared/realposts/dev.jsonl) + trap set
    python bench/detect_eval.py --misses        # ... and every false positive / negative explained
    python bench/detect_eval.py path/to/set.jsonl

A post counts as flagged when its severity is at least "medium" (the alert threshold);
"ambiguous" rows of the real set are left out of precision and recall. Printed per set:
precision, recall, F1; per ``scope``; recall on explicit vs evaluative violations; the
precision of each severity; and the same figures for a plain keyword list (candidate
names, parties, "coblos", "kampanye", "paslon", "menangkan"). Always exits 0;
tests/test_detector_eval.py enforces the bars.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import re
import sys
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts.detect import DEFAULT_THRESHOLDS, Detection, Detector, severity_at_least  # noqa: E402
from alerts.severity import SEVERITIES  # noqa: E402
from alerts.lexicon import Lexicon, load_lexicon  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "data" / "detector_eval.jsonl"
REAL_SET = pathlib.Path(os.environ.get("PANTAU_REALPOSTS", ROOT.parent / "shared" / "realposts")) / "dev.jsonl"
MIN_SEVERITY = "medium"
# a violation is "explicit" when it carries a call, slogan, hashtag or ballot number; else "evaluative"
EXPLICIT = re.compile(r"#\w|\b(pilih|coblos|dukung|menangkan|all in|saja dulu|aja dulu|tetap 0?\d|ttp 0?\d|"
                      r"nomor urut|0[1-3]|4presiden|dekade08|lanjutkan)\b|🤟|☝|✌", re.I)


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
    by_severity: dict = field(default_factory=dict)  # severity -> (violations, clean)
    by_scope: dict = field(default_factory=dict)  # scope -> (tp, fp, fn)
    by_kind: dict = field(default_factory=dict)  # "explicit"/"evaluative" -> (found, total)


def load_rows(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def truth(row: dict) -> bool | None:
    """True/False, or None for rows left out (real set: "ambiguous")."""
    label = row["label"]
    if isinstance(label, bool):
        return label
    return {"violation": True, "clean": False}.get(label)


def shipped_detector() -> Detector:
    return Detector(load_lexicon(sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))), DEFAULT_THRESHOLDS)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(rows: list[dict], detector: Detector | None = None, flag=None) -> Result:
    """``flag(text) -> (flagged, severity, detection)`` overrides the detector (baselines)."""
    if detector is None and flag is None:
        detector = shipped_detector()
    tp = fp = fn = tn = 0
    fps, fns = [], []
    sev: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    scope: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    kind: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for row in rows:
        label = truth(row)
        if label is None:
            continue
        if flag is not None:
            flagged, severity, detection = flag(row["text"])
        else:
            detection = detector.detect(row["text"])
            severity = detection.severity
            flagged = severity_at_least(severity, MIN_SEVERITY)
        sev[severity][0 if label else 1] += 1
        sc = scope[row.get("scope", "-")]
        if label:
            k = kind["explicit" if EXPLICIT.search(row["text"]) else "evaluative"]
            k[1] += 1
            k[0] += flagged
        if flagged and label:
            tp += 1
            sc[0] += 1
        elif flagged:
            fp += 1
            sc[1] += 1
            fps.append((row, detection))
        elif label:
            fn += 1
            sc[2] += 1
            fns.append((row, detection))
        else:
            tn += 1
    precision, recall, f1 = _prf(tp, fp, fn)
    return Result(precision, recall, f1, tp, fp, fn, tn, tuple(fps), tuple(fns),
                  {k: tuple(v) for k, v in sev.items()}, {k: tuple(v) for k, v in scope.items()},
                  {k: tuple(v) for k, v in kind.items()})


def keyword_baseline(lexicon: Lexicon):
    """The issue's plain keyword list: candidate names, parties, coblos, kampanye, paslon, menangkan."""
    words = {"coblos", "kampanye", "paslon", "menangkan"}
    for term in lexicon.terms:
        if term.kind in ("name", "pair", "alias", "ambiguous", "party") and len(term.key) >= 3:
            words.add(term.key)
    pattern = re.compile(r"\b(" + "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True)) + r")\b",
                         re.I)

    def flag(text: str):
        hit = bool(pattern.search(text.replace("-", " ")))
        return hit, ("medium" if hit else "none"), None
    return flag


def _explain(row: dict, detection: Detection | None) -> str:
    if detection is None:
        return f"  [{row['id']}] {row['text'][:200]!r}"
    stance = detection.stance
    lines = [f"  [{row['id']}] score={detection.score} severity={detection.severity} "
             f"stance={stance.side if stance else None:.2} news={stance.news if stance else None} "
             f"label={row['label']} scope={row.get('scope', '-')}",
             f"      text: {row['text'][:300]}"]
    for m in detection.matches:
        lines.append(f"      - {m.category:9} {row['text'][m.start:m.end]!r} -> {m.term!r}: {m.reason}")
    return "\n".join(lines)


def report(name: str, rows: list[dict], result: Result, baseline: Result | None, misses: bool) -> None:
    kept = sum(1 for r in rows if truth(r) is not None)
    print(f"\n== {name}: {kept} posts scored ({len(rows) - kept} ambiguous left out), alert at >= {MIN_SEVERITY}")
    print(f"pantau detect     precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}"
          f"  (tp {result.tp}, fp {result.fp}, fn {result.fn}, tn {result.tn})")
    if baseline is not None:
        print(f"keyword baseline  precision {baseline.precision:.3f}  recall {baseline.recall:.3f}  "
              f"F1 {baseline.f1:.3f}  (tp {baseline.tp}, fp {baseline.fp}, fn {baseline.fn})")
    if len(result.by_scope) > 1:
        print("per scope:")
        for scope, (tp, fp, fn) in sorted(result.by_scope.items()):
            p, r, f = _prf(tp, fp, fn)
            print(f"  {scope:22} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    for kind, (found, total) in sorted(result.by_kind.items()):
        print(f"recall on {kind:10} violations: {found}/{total} = {found / total:.3f}" if total else "")
    print("precision per severity (violations / all posts at that severity):")
    for severity in reversed(SEVERITIES):
        pos, neg = result.by_severity.get(severity, (0, 0))
        share = f"{pos / (pos + neg):.3f}" if pos + neg else "  -  "
        print(f"  {severity:6} {share}  ({pos}/{pos + neg})")
    if misses:
        print(f"\nfalse positives ({result.fp}):")
        for row, det in result.false_positives:
            print(_explain(row, det))
        print(f"\nfalse negatives ({result.fn}):")
        for row, det in result.false_negatives:
            print(_explain(row, det))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="detector precision/recall on real posts and traps")
    parser.add_argument("sets", nargs="*", type=pathlib.Path)
    parser.add_argument("--misses", action="store_true", help="explain every false positive/negative")
    args = parser.parse_args(argv[1:])
    detector = shipped_detector()
    baseline = keyword_baseline(detector.lexicon)
    sets = args.sets or [p for p in (REAL_SET, DEFAULT_SET) if p.exists()]
    if not args.sets and not REAL_SET.exists():
        print(f"note: real dev set {REAL_SET} not found; set PANTAU_REALPOSTS to its folder")
    for path in sets:
        rows = load_rows(path)
        name = "real posts (dev)" if path == REAL_SET else ("trap set (tests/)" if path == DEFAULT_SET else str(path))
        report(name, rows, evaluate(rows, detector), evaluate(rows, flag=baseline), args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
