#!/usr/bin/env python3
"""Answer quality on StackFAQ (125 StackExchange threads, 1,249 rephrasings).

    python3 scripts/bench_stackfaq.py --refdesk target/release/refdesk [--data FILE] [--work DIR]
    python3 scripts/bench_stackfaq.py --convert-only --work DIR

Turns every thread into a refdesk FAQ entry (faq/thread-NNN.md: the thread's question, its
first non-empty answer as the body) and every rephrasing into an eval case expecting that
thread, then runs `refdesk faq check` and `refdesk eval --json` and prints the scores.

The data set (Karan and Snajder 2018, via the BERT-FAQ repository) is not part of the
project: by default it is read from the shared folder beside the clone. Standard library
only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "stackfaq" / "stackExchange-FAQ.json"

TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
                "\r": "\\r"}


def toml_string(s):
    """A TOML basic string: backslash, quote and control characters escaped."""
    out = []
    for ch in s:
        if ch in TOML_ESCAPES:
            out.append(TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def clean(s):
    return s.strip() if isinstance(s, str) else ""


def first_answer(answers):
    for a in as_list(answers):
        if clean(a):
            return clean(a)
    return None


def body_text(answer):
    """The answer as an entry body (only the first `+++` after the opening one closes the
    front matter, so the body needs no escaping)."""
    return answer.replace("\r\n", "\n").replace("\r", "\n")


def convert(data_path, work):
    with open(data_path, encoding="utf-8") as f:
        threads = json.load(f)["root"]["qapair"]
    faq = work / "faq"
    faq.mkdir(parents=True, exist_ok=True)
    for old in faq.glob("thread-*.md"):
        old.unlink()
    width = max(3, len(str(len(threads))))
    cases, skipped = [], []
    for n, t in enumerate(threads, start=1):
        entry_id = f"thread-{n:0{width}d}"
        question = clean(t.get("question"))
        answer = first_answer(t.get("answer"))
        if not question or not answer:
            skipped.append(entry_id)
            continue
        text = f"+++\nquestion = {toml_string(question)}\n+++\n\n{body_text(answer)}\n"
        (faq / f"{entry_id}.md").write_text(text, encoding="utf-8")
        for r in as_list(t.get("rephr")):
            r = clean(r)
            if r and r != "*":  # "*" separates two groups of rephrasings
                cases.append({"q": r, "expect": [f"faq:{entry_id}"]})
    with open(work / "cases.jsonl", "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    return len(threads) - len(skipped), len(cases), skipped


def verify(work):
    """Every entry must read back with tomllib (Python 3.11+) as refdesk expects it."""
    try:
        import tomllib
    except ImportError:
        print("(python < 3.11: front matter not verified)", file=sys.stderr)
        return
    for path in sorted((work / "faq").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        lines = [line.rstrip() for line in text.split("\n")]
        assert lines[0] == "+++", path
        end = lines.index("+++", 1)
        front = tomllib.loads("\n".join(lines[1:end]))
        assert set(front) == {"question"} and front["question"].strip(), path
        assert "\n".join(lines[end + 1:]).strip(), path


def run(cmd, cwd):
    print("$ " + " ".join(str(c) for c in cmd), file=sys.stderr)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd)


def find_binary(p):
    if os.sep not in str(p):
        found = shutil.which(str(p))
        if found:
            return Path(found)
    return p.resolve()


def share(report, name):
    s = report.get(name) or {}
    return f"{s.get('value', 0):.3f} ({s.get('hits', 0)}/{s.get('total', 0)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="stackExchange-FAQ.json (default: ../shared/data/stackfaq/ beside "
                         "the repository)")
    ap.add_argument("--refdesk", type=Path, help="the refdesk binary")
    ap.add_argument("--work", type=Path, help="where to write faq/ and cases.jsonl "
                                              "(default: a temporary directory)")
    ap.add_argument("--config", type=Path,
                    help="refdesk settings file (default: none; refdesk runs in the work "
                         "directory so a ./refdesk.toml here is not picked up)")
    ap.add_argument("--convert-only", action="store_true",
                    help="write the FAQ and the cases, then stop")
    args = ap.parse_args()
    if not args.convert_only and not args.refdesk:
        ap.error("--refdesk is required unless --convert-only")

    with tempfile.TemporaryDirectory(prefix="stackfaq-") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        entries, n_cases, skipped = convert(args.data, work)
        verify(work)
        print(f"{entries} FAQ entries, {n_cases} cases in {work}"
              + (f"; skipped (no question or answer): {', '.join(skipped)}" if skipped else ""),
              file=sys.stderr)
        if args.convert_only:
            if not args.work:
                print("(temporary directory removed: pass --work to keep the files)",
                      file=sys.stderr)
            return 0

        refdesk = find_binary(args.refdesk)
        base = [refdesk] + (["--config", args.config.resolve()] if args.config else [])
        check = run(base + ["faq", "check", work / "faq"], cwd=work)
        if check.returncode != 0:
            sys.stderr.write(check.stdout + check.stderr)
            print("refdesk faq check failed", file=sys.stderr)
            return 1
        ev = run(base + ["eval", "--faq", work / "faq", "--cases", work / "cases.jsonl",
                         "--json"], cwd=work)
        if ev.returncode != 0:
            sys.stderr.write(ev.stdout + ev.stderr)
            print("refdesk eval failed", file=sys.stderr)
            return 1
        report = json.loads(ev.stdout)
        print(f"StackFAQ: {report.get('cases')} cases, {entries} entries")
        print(f"P@1        {share(report, 'p_at_1')}")
        print(f"MRR        {report.get('mrr', 0):.3f}")
        print(f"coverage   {share(report, 'coverage')}")
        print(f"precision  {share(report, 'precision')}")
        print("(NDCG@3 needs the ranked candidates of every case, which the report does not "
              "carry)")
        if args.work:
            with open(work / "report.json", "w", encoding="utf-8") as f:
                json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
