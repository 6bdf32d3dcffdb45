"""Dump every detector output for a fixed corpus, to prove a speed change changes no result.

Usage (from the repository root):
  python bench/detect_equivalence.py --dump OUT.jsonl     # one JSON line per (post, variant)
  python bench/detect_equivalence.py --write-golden       # refresh tests/data/detector_golden.json

The corpus: the real dev set (``../shared/realposts/dev.jsonl`` or ``$PANTAU_REALPOSTS``, when
present), the team trap set ``tests/data/detector_eval.jsonl``, the bench's 200/2,000-character
posts, and variants of every trap post that exercise the normaliser (capitals, title case,
invisible characters, look-alike letters, leetspeak, spaced letters), each with and without a
publish time inside the Pilpres 2024 campaign. Diff two dumps taken before and after a change.

The golden file holds a short digest of each trap-set output (all variants); the test
``tests/test_detect_golden.py`` fails naming the posts whose output changed. Refresh it only
when a change of results is intended (lexicon, model or scoring), never for a speed change.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts.detect import Detector  # noqa: E402
from alerts.lexicon import load_lexicon  # noqa: E402

TRAP_PATH = ROOT / "tests" / "data" / "detector_eval.jsonl"
GOLDEN_PATH = ROOT / "tests" / "data" / "detector_golden.json"
IN_CAMPAIGN = datetime.datetime(2024, 1, 15, 3, 0, tzinfo=datetime.timezone.utc)
_LEET = str.maketrans({"a": "4", "e": "3", "o": "0", "i": "1", "s": "5"})
_LOOKALIKE = str.maketrans({"a": "а", "o": "о", "e": "е", "p": "р", "c": "с"})


def variants(text: str) -> list[tuple[str, str]]:
    """(name, text) pairs: the post and transformed copies that take other normaliser paths."""
    words = text.split()
    spaced = " ".join(" ".join(w) if 4 <= len(w) <= 8 and w.isalpha() and i % 5 == 0 else w
                      for i, w in enumerate(words))
    return [
        ("plain", text), ("upper", text.upper()), ("title", text.title()),
        ("invisible", "\u200b".join(text[i:i + 3] for i in range(0, len(text), 3))),
        ("lookalike", text.translate(_LOOKALIKE)), ("leet", text.translate(_LEET)),
        ("spaced", spaced), ("stretch", " ".join(w + w[-1] * 3 if w.isalpha() else w for w in words)),
    ]


def trap_rows() -> list[dict]:
    return [json.loads(line) for line in TRAP_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_rows() -> list[dict]:
    base = pathlib.Path(os.environ.get("PANTAU_REALPOSTS", ROOT.parent / "shared" / "realposts"))
    path = base / "dev.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def output(detector: Detector, text: str, when: datetime.datetime | None) -> dict:
    det = detector.detect(text, when)
    return {**det.to_json(), "rule_score": det.rule_score}


def trap_outputs(detector: Detector) -> dict[str, str]:
    """post id -> digest of the outputs of all its variants, with and without a publish time."""
    out = {}
    for row in trap_rows():
        parts = [json.dumps(output(detector, text, when), sort_keys=True, ensure_ascii=False)
                 for _, text in variants(row["text"]) for when in (None, IN_CAMPAIGN)]
        out[row["id"]] = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]
    return out


def default_detector() -> Detector:
    return Detector(load_lexicon(sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))))


def dump(detector: Detector, path: pathlib.Path) -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    from detect_speed import sized_posts  # noqa: PLC0415

    lines = []
    cases: list[tuple[str, str]] = []
    for row in dev_rows():
        cases.append((f"dev:{row['id']}", row["text"]))
    for row in trap_rows():
        cases += [(f"trap:{row['id']}:{name}", text) for name, text in variants(row["text"])]
    cases += [(f"sized200:{i}", t) for i, t in enumerate(sized_posts(200, 100))]
    cases += [(f"sized2000:{i}", t) for i, t in enumerate(sized_posts(2000, 30))]
    for key, text in cases:
        for when in (None, IN_CAMPAIGN):
            lines.append(json.dumps({"case": key, "when": bool(when), **output(detector, text, when)},
                                    sort_keys=True, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=pathlib.Path)
    parser.add_argument("--write-golden", action="store_true")
    args = parser.parse_args(argv[1:])
    detector = default_detector()
    if args.dump:
        print(f"{dump(detector, args.dump)} outputs written to {args.dump}")
    if args.write_golden:
        GOLDEN_PATH.write_text(json.dumps(trap_outputs(detector), indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"golden digests written to {GOLDEN_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
