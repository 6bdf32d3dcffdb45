"""Train the stance model shipped as alerts/data/stance_model.json.gz.

Usage (from the repository root; needs scikit-learn, `pip install scikit-learn`):

    python scripts/train_stance.py --data-dir /path/to/data [--extra findings.jsonl ...]
                                   [--out alerts/data/stance_model.json.gz]

--extra takes JSON lines {"text", "label"} or a Pantau findings database file (TinyDB JSON in
the storage folder): confirmed findings count as "takes a side", dismissed ones as "does not".

The public training data is NOT in the repository. Put these files in --data-dir
(sources, commits and licences in docs/stance-model.md):

  pilpres2019_tweet.csv   kusumojati/pilpres2019-sentiment-analysis  dataset/tweet.csv
  idhsd_rio_2017.txt      ialfina/id-hatespeech-detection            IDHSD_RIO_unbalanced_713_2017.txt
  re_dataset.csv          okkyibrohim/id-multi-label-hate-speech-and-abusive-language-detection  re_dataset.csv

Any missing file is skipped with a note. --extra adds staff decisions: JSON lines with
`text` and `label` ("violation"/"confirmed"/true = takes a side, "clean"/"dismissed"/false
= does not). Those rows are weighted 3x so local decisions count. The seed is fixed (0):
the same data gives the same weights (the file differs only in meta.trained, the date).
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts.stance import MODEL_PATH, StanceModel, features  # noqa: E402

SEED = 0
EVERYDAY_STEP = 3  # every third non-political, non-abusive tweet of re_dataset
# candidates of the 2017-2019 contests in the training data, masked like lexicon matches
OLD_NAMES = re.compile(
    r"@?\b(?:joko\s+widodo|jokowi|jkw|joko|prabowo(?:\s+subianto)?|subianto|sandiaga(?:\s+uno)?|sandi\s*uno|sandi|"
    r"ma'?ruf(?:\s+amin)?|kyai\s+ma'?ruf|kh\s+ma'?ruf|ahok|basuki(?:\s+tjahaja\s+purnama)?|basuki_btp|btp|djarot|"
    r"anies(?:\s+baswedan)?|aniesbaswedan|anis|baswedan|agus\s+yudhoyono|agusyudhoyono|ahy|agus|sylvi(?:ana)?(?:\s+murni)?|"
    r"silvy|sylviana_murni|sandiuno|prabowo_|capres\s+0?[12]|paslon\s+0?[123]|0[12])\b",
    re.I)
POLITICAL = re.compile(r"jokowi|prabowo|ahok|anies|sandi|ma.?ruf|capres|cawapres|pilpres|pilkada|djarot|"
                       r"paslon|cebong|kampret|2019gantipresiden|jokowi2periode", re.I)


def _spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in OLD_NAMES.finditer(text))


def _read_pilpres2019(path: pathlib.Path) -> list[tuple[str, int, str]]:
    rows = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.DictReader(fh):
            label = {"positif": 1, "negatif": 1, "netral": 0}.get((row.get("sentimen") or "").strip())
            if label is not None and row.get("tweet"):
                rows.append((row["tweet"], label, "pilpres2019"))
    return rows


def _read_idhsd(path: pathlib.Path) -> list[tuple[str, int, str]]:
    raw = path.read_bytes().decode("latin-1").replace("\r", "\n")
    rows = []
    for line in raw.splitlines()[1:]:
        label, _, text = line.partition("\t")
        text = text.strip().strip('"')
        if not text:
            continue
        if label == "HS" and POLITICAL.search(text):
            rows.append((text, 1, "idhsd"))  # attack on a candidate or his camp
        elif label == "Non_HS" and "http" in text and not re.search(r"\b(pilih|coblos|dukung)\b", text, re.I):
            rows.append((text, 0, "idhsd"))  # weak label: shared links without a call, mostly news
    return rows


def _read_re_dataset(path: pathlib.Path) -> list[tuple[str, int, str]]:
    rows, everyday = [], []
    with open(path, encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("Tweet") or "").replace("USER", "@user").replace("URL", "http://t.co/x")
            text = re.sub(r"\\x[0-9a-f]{2}", "", text).replace("\\n", " ").strip()
            if row.get("HS_Individual") == "1" and POLITICAL.search(text):
                rows.append((text, 1, "re_dataset"))
            elif row.get("HS") == "0" and row.get("Abusive") == "0" and not POLITICAL.search(text):
                everyday.append((text, 0, "re_dataset"))
    # everyday chat with no side at all: teaches that informal is not the same as partisan
    return rows + everyday[::EVERYDAY_STEP]


def _read_findings_db(data: dict) -> list[tuple[str, int, str]]:
    """A Pantau findings TinyDB file: confirmed = takes a side, dismissed = does not."""
    rows = []
    for table in data.values():
        for doc in (table or {}).values():
            status, text = doc.get("status"), doc.get("text")
            if text and status in ("confirmed", "dismissed"):
                rows.append((text, 1 if status == "confirmed" else 0, "extra"))
    return rows


def _read_extra(path: pathlib.Path) -> list[tuple[str, int, str]]:
    raw = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(raw)
    except ValueError:
        whole = None
    if isinstance(whole, dict) and all(isinstance(v, dict) for v in whole.values()):
        return _read_findings_db(whole)
    rows = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        value = item.get("label")
        if value in ("violation", "confirmed", True, 1):
            rows.append((item["text"], 1, "extra"))
        elif value in ("clean", "dismissed", False, 0):
            rows.append((item["text"], 0, "extra"))
        else:
            sys.exit(f"{path}, baris {n}: label {value!r} tidak dikenal; pakai violation/confirmed atau clean/dismissed")
    return rows


READERS = {"pilpres2019_tweet.csv": _read_pilpres2019, "idhsd_rio_2017.txt": _read_idhsd,
           "re_dataset.csv": _read_re_dataset}


def load(data_dir: pathlib.Path, extra: list[pathlib.Path]) -> list[tuple[str, int, str]]:
    rows: list[tuple[str, int, str]] = []
    for name, reader in READERS.items():
        path = data_dir / name
        if path.exists():
            rows += reader(path)
        else:
            print(f"note: {path} missing, skipped", file=sys.stderr)
    for path in extra:
        rows += _read_extra(path)
    seen, unique = set(), []
    for row in rows:
        key = row[0].strip().lower()
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def train(rows: list[tuple[str, int, str]], c: float = 1.0):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    docs = [features(text, _spans(text)) for text, _, _ in rows]
    labels = [label for _, label, _ in rows]
    weights = [3.0 if src == "extra" else 1.0 for _, _, src in rows]
    vec = CountVectorizer(analyzer=lambda d: d, binary=True, min_df=2)
    x = normalize(vec.fit_transform(docs))
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED, solver="liblinear")
    clf.fit(x, labels, sample_weight=weights)
    names = vec.get_feature_names_out()
    coef = clf.coef_[0]
    kept = {str(names[i]): float(coef[i]) for i in range(len(names)) if abs(coef[i]) >= 0.01}
    return kept, float(clf.intercept_[0])


def cross_validate(rows: list[tuple[str, int, str]], c: float) -> dict:
    import random

    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    folds = 5
    tp = fp = fn = tn = 0
    for k in range(folds):
        test = set(order[k::folds])
        weights, intercept = train([r for i, r in enumerate(rows) if i not in test], c)
        model = StanceModel(weights, intercept)
        for i in test:
            text, label, _ = rows[i]
            guess = model.predict(text, _spans(text)).side >= 0.5
            tp += guess and label == 1
            fp += guess and label == 0
            fn += (not guess) and label == 1
            tn += (not guess) and label == 0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"folds": folds, "accuracy": round((tp + tn) / len(rows), 3), "precision_side": round(precision, 3),
            "recall_side": round(recall, 3)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=pathlib.Path, required=True)
    parser.add_argument("--extra", type=pathlib.Path, action="append", default=[])
    parser.add_argument("--out", type=pathlib.Path, default=MODEL_PATH)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--no-cv", action="store_true")
    args = parser.parse_args(argv)
    rows = load(args.data_dir, args.extra)
    if not rows:
        print("no training rows found", file=sys.stderr)
        return 1
    counts: dict[str, list[int]] = {}
    for _, label, src in rows:
        counts.setdefault(src, [0, 0])[label] += 1
    cv = {} if args.no_cv else cross_validate(rows, args.c)
    weights, intercept = train(rows, args.c)
    meta = {"trained": datetime.date.today().isoformat(), "seed": SEED, "c": args.c,
            "rows": {src: {"no_side": n[0], "side": n[1]} for src, n in sorted(counts.items())},
            "cross_validation": cv, "features": len(weights)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    StanceModel(weights, intercept, meta).save(args.out)
    print(json.dumps(meta, indent=1))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
