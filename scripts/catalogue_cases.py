#!/usr/bin/env python3
"""Generate catalogue evaluation cases from a MARC 21 file (UTF-8, ISO 2709).

    python3 scripts/catalogue_cases.py MARCFILE --seed N --count M > cases.jsonl

Each output line is {"q": ..., "expect": ["catalogue:<001>", ...], "kind": ...}. `expect`
lists every record of the file that would be a right answer (the record the question was
made from comes first); a case counts as right when any of them is among the first three
records the bot offers. Groups larger than --cap are never used, so every `expect` is
complete.

Kinds: title, author, title_author, isbn, folded (diacritics typed without them) and
short_title (1-3 common words). The same seed always gives the same cases.

--exclude FILE.jsonl skips questions already in FILE (compared case- and
punctuation-insensitively) and the records they were made from: use it to build a
development set that shares nothing with a held-out one.

Standard library only.
"""

import argparse
import collections
import functools
import json
import random
import re
import sys
import time
import unicodedata

FT = 0x1E  # field terminator
SF = 0x1F  # subfield delimiter
RT = 0x1D  # record terminator

# Proportions of each kind, in output order.
MIX = [
    ("title", 0.30),
    ("author", 0.15),
    ("title_author", 0.15),
    ("isbn", 0.10),
    ("folded", 0.15),
    ("short_title", 0.15),
]

# ---------------------------------------------------------------------------------------
# ISO 2709


def iter_records(data):
    """Yields (tag -> [field bytes]) for every record of an ISO 2709 byte string."""
    pos, end = 0, len(data)
    while pos < end:
        # Skip stray bytes (newlines, padding) between records.
        while pos < end and not data[pos:pos + 5].isdigit():
            pos += 1
        if pos + 24 > end:
            break
        length = int(data[pos:pos + 5])
        if length < 25:
            pos += 1
            continue
        rec = data[pos:pos + length]
        pos += length
        try:
            base = int(rec[12:17])
        except ValueError:
            continue
        fields = collections.defaultdict(list)
        directory = rec[24:base]
        for i in range(0, len(directory) - 11, 12):
            entry = directory[i:i + 12]
            if entry[0] == FT:
                break
            tag = entry[0:3].decode("ascii", "replace")
            try:
                flen = int(entry[3:7])
                start = int(entry[7:12])
            except ValueError:
                continue
            body = rec[base + start:base + start + flen]
            if body and body[-1] == FT:
                body = body[:-1]
            fields[tag].append(body)
        yield fields


def control(fields, tag):
    vals = fields.get(tag)
    if not vals:
        return None
    return vals[0].decode("utf-8", "replace")


def subfields(body):
    """(indicators, [(code, text)]) of a data field."""
    ind = body[:2].decode("ascii", "replace")
    out = []
    for chunk in body[2:].split(bytes([SF])):
        if not chunk:
            continue
        code = chr(chunk[0])
        out.append((code, chunk[1:].decode("utf-8", "replace")))
    return ind, out


def first_sub(subs, code):
    for c, t in subs:
        if c == code:
            return t
    return None


# ---------------------------------------------------------------------------------------
# Text clean-up and normalisation

def strip_isbd(s):
    """Drops the ISBD punctuation that ends a subfield (" /", " :", " ;", " =", ".", ",";
    cataloguers sometimes leave out the space)."""
    s = unicodedata.normalize("NFC", s).strip()
    s = re.sub(r"[\s/:;=.,]+$", "", s)
    # Devised or supplied titles are bracketed; a patron types them bare.
    s = s.replace("[", "").replace("]", "")
    return re.sub(r"\s+", " ", s).strip()


# Letters that NFKD does not take apart.
EXTRA_FOLD = {
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss",
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
    "ħ": "h", "Ħ": "H",
}


@functools.lru_cache(maxsize=None)
def fold(s):
    """What a patron without an accent key types: no combining marks, no modifier letters
    (ʻ ʼ ʹ ʺ), no ligatures."""
    out = []
    for ch in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(ch):
            continue
        if 0x02B0 <= ord(ch) <= 0x02FF:  # spacing modifier letters: primes, ayn, alif
            continue
        out.append(EXTRA_FOLD.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def key(s):
    """Comparison key: folded, case-insensitive, punctuation as spaces."""
    s = fold(s).casefold()
    s = re.sub(r"[^\w]+", " ", s).replace("_", " ")
    return " ".join(s.split())


def is_ascii(s):
    return all(ord(c) < 128 for c in s)


def clean_name(a):
    """100 $a -> 'Surname, Forename' without trailing punctuation or dates."""
    a = unicodedata.normalize("NFC", a).strip()
    a = re.sub(r",?\s*(b\.|d\.|ca\.|fl\.)?\s*\d{3,4}\??-?(\d{3,4})?\??\s*[.,]?\s*$", "", a)
    a = re.sub(r",?\s*\d+(st|nd|rd|th)(/\d+(st|nd|rd|th))? cent\.?\s*$", "", a)
    a = a.strip().rstrip(",").strip()
    # A trailing period ends the field; keep it only after a single initial ("John A.").
    if a.endswith(".") and not re.search(r"(^|[\s,.])\w\.$", a):
        a = a[:-1]
    return re.sub(r"\s+", " ", a).strip().rstrip(",").strip()


def natural_name(name):
    """'Surname, Forename' -> 'Forename Surname'; other forms unchanged."""
    if ", " in name:
        surname, rest = name.split(", ", 1)
        if rest and "," not in rest:
            return f"{rest} {surname}"
    return name


def surname_of(name):
    return name.split(",", 1)[0].strip()


# ---------------------------------------------------------------------------------------
# ISBN


def isbn_digits(a):
    m = re.match(r"\s*([0-9Xx][0-9Xx\- ]*[0-9Xx])", a or "")
    if not m:
        return None
    d = re.sub(r"[\- ]", "", m.group(1)).upper()
    if len(d) == 10 and re.fullmatch(r"\d{9}[\dX]", d):
        return d
    if len(d) == 13 and d.isdigit():
        return d
    return None


def isbn_valid(d):
    if len(d) == 10:
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(d))
        return total % 11 == 0
    total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(d))
    return d[:3] in ("978", "979") and total % 10 == 0


def isbn13(d):
    """Canonical form for grouping: the ISBN-13 of a valid ISBN, else the digits as given."""
    if len(d) == 10 and isbn_valid(d):
        core = "978" + d[:9]
        check = (10 - sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(core)) % 10) % 10
        return core + str(check)
    return d


def hyphenate(d, rng):
    """A plausible hyphenation (registration groups vary, so any split is plausible)."""
    if len(d) == 13:
        prefix, body, check = d[:3], d[3:12], d[12]
    else:
        prefix, body, check = "", d[:9], d[9]
    group = rng.choice([1, 1, 1, 2])
    publisher = rng.randint(2, min(5, len(body) - group - 1))
    parts = [body[:group], body[group:group + publisher], body[group + publisher:], check]
    if prefix:
        parts.insert(0, prefix)
    return "-".join(parts)


# ---------------------------------------------------------------------------------------
# Index of the file


class Rec:
    __slots__ = ("id", "a", "b", "full", "name", "ka", "kfull", "kname", "ksur", "isbns")


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    recs = []
    stats = collections.Counter()
    for fields in iter_records(data):
        stats["records"] += 1
        rid = control(fields, "001")
        rid = rid.strip() if rid else ""
        if not rid or not fields.get("245"):
            stats["skipped (no 001 or 245)"] += 1
            continue
        _, subs = subfields(fields["245"][0])
        a_raw = first_sub(subs, "a") or ""
        b_raw = first_sub(subs, "b")
        r = Rec()
        r.id = rid
        r.a = strip_isbd(a_raw)
        if not r.a:
            stats["skipped (empty 245 $a)"] += 1
            continue
        r.b = None
        # A $b after "=" is a parallel title, after ";" another work: not a subtitle.
        if b_raw and not a_raw.rstrip().endswith(("=", ";")):
            r.b = strip_isbd(b_raw) or None
        r.full = f"{r.a}: {r.b}" if r.b else r.a
        r.ka, r.kfull = key(r.a), key(r.full)
        r.name = r.kname = r.ksur = None
        if fields.get("100"):
            ind, nsubs = subfields(fields["100"][0])
            na = first_sub(nsubs, "a")
            if na:
                r.name = clean_name(na)
                r.kname = key(r.name) or None
                r.ksur = key(surname_of(r.name)) or None
        else:
            stats["without 100"] += 1
        r.isbns = []
        for body in fields.get("020", []):
            _, isubs = subfields(body)
            d = isbn_digits(first_sub(isubs, "a"))
            if d and d not in r.isbns:
                r.isbns.append(d)
        if fold(r.full) != r.full or (r.name and fold(r.name) != r.name):
            stats["with diacritics or marks"] += 1
        recs.append(r)
    return recs, stats


class Index:
    def __init__(self, recs):
        self.recs = recs
        self.by_a = collections.defaultdict(list)
        self.by_full = collections.defaultdict(list)
        self.by_name = collections.defaultdict(list)
        self.by_sur = collections.defaultdict(list)
        self.by_isbn = collections.defaultdict(list)
        words = collections.Counter()
        for i, r in enumerate(recs):
            self.by_a[r.ka].append(i)
            self.by_full[r.kfull].append(i)
            if r.kname:
                self.by_name[r.kname].append(i)
            if r.ksur:
                self.by_sur[r.ksur].append(i)
            for d in r.isbns:
                self.by_isbn[isbn13(d)].append(i)
            words.update(set(r.ka.split()))
        self.common = {
            w for w, _ in words.most_common(3000) if w.isalpha() and is_ascii(w) and len(w) > 1
        }


STOP = {"the", "a", "an", "of", "and", "in", "on", "to", "for", "la", "le", "les", "de", "el",
        "der", "die", "das", "und", "et", "y", "i", "il"}

# ---------------------------------------------------------------------------------------
# Phrasing

TITLE_T = [
    "do you have {t}?", "Do you have {t}", "is {t} available?", "is {t} available",
    "have you got {t}?", "is there a copy of {t}?", "where can I find the book {t}?",
    "I'm looking for {t}", "im looking for {t}", "looking for the book {t}",
    "can I borrow {t}?", "Do you have the book {t}?", "{t}", "do u have {t}",
    "Is {t} in the library?", "have you got a copy of {t}", "any copies of {t}?",
]
AUTHOR_T = [
    "books by {n}", "Books by {n}?", "do you have anything written by {n}?",
    "I'm looking for books by {n}", "anything by {n}?", "what do you have by {n}",
    "do you have books by {n}", "looking for {n} books", "any books by {n}?",
    "have you got anything by {n}",
]
TITLE_AUTHOR_T = [
    "{t} by {n}", "do you have {t} by {n}?", "I'm looking for {t} by {n}",
    "is {t} by {n} available?", "have you got {t} by {n}", "{n}'s {t}",
    "can I borrow {t} by {n}?",
]
ISBN_T = [
    "ISBN {i}", "isbn {i}", "do you have {i}?", "Do you have ISBN {i}", "isbn: {i}",
    "have you got {i}", "{i}", "is {i} available?", "looking for isbn {i}",
]
SHORT_T = [
    "do you have {t}", "Do you have {t}?", "I'm looking for {t}", "im looking for {t}",
    "do you have a book called {t}?", "have you got {t}?",
]


def quote(t, rng):
    r = rng.random()
    if r < 0.12:
        return f'"{t}"'
    if r < 0.17:
        return f"“{t}”"
    if r < 0.20:
        return f"'{t}'"
    return t


def title_text(t, rng):
    r = rng.random()
    if r < 0.3:
        t = t.lower()
    if ": " in t and rng.random() < 0.4:
        t = t.replace(": ", rng.choice([" ", " - ", ", "]), 1)
    return t


def finish(q, rng):
    """Phone habits: lowercase, no final question mark, doubled marks, sentence case."""
    r = rng.random()
    if r < 0.25:
        q = q.lower()
    elif r < 0.35 and q[:1].islower():
        q = q[:1].upper() + q[1:]
    r = rng.random()
    if r < 0.15:
        q = q.rstrip("?")
    elif r < 0.20 and q.endswith("?"):
        q += "?"
    return q.strip()


def title_words(t):
    return len(t.split())


# ---------------------------------------------------------------------------------------
# Case builders: each returns (question, [record indexes]) or None.


def ids_of(idx, primary, group):
    order = [primary] + [i for i in group if i != primary]
    return [f"catalogue:{idx.recs[i].id}" for i in order]


def pick_title(r, rng):
    """(text, key, by) for a title question: the full title or only $a."""
    if r.b and (rng.random() < 0.4 or title_words(r.full) > 12):
        return r.a, r.ka, "a"
    return r.full, r.kfull, "full"


def title_group(idx, k, by):
    return idx.by_a[k] if by == "a" else idx.by_full[k]


def is_short(idx, r):
    ws = r.ka.split()
    return 1 <= len(ws) <= 3 and all(w in idx.common or w in STOP for w in ws) and not all(
        w in STOP for w in ws)


def make_title(idx, i, rng, cap, folded=False):
    r = idx.recs[i]
    if is_short(idx, r) and not folded:
        return None
    t, k, by = pick_title(r, rng)
    if title_words(t) > 15 or len(k) < 3:
        return None
    if folded:
        if fold(t) == t:
            return None
        t = fold(t)
    if not is_ascii(t) and not folded and not all(
        unicodedata.category(c)[0] in "LMNPZS" for c in t
    ):
        return None
    group = title_group(idx, k, by)
    if len(group) > cap:
        return None
    q = rng.choice(TITLE_T).format(t=quote(title_text(t, rng), rng))
    return finish(q, rng), ids_of(idx, i, group)


def name_forms(r, rng):
    nat = natural_name(r.name)
    if nat != r.name and rng.random() < 0.2:
        return r.name  # catalogue order, as a librarian would write it
    return nat


def make_author(idx, i, rng, cap, folded=False):
    r = idx.recs[i]
    if not r.kname or len(r.kname.split()) < 2:
        return None  # a single word ("Homer") or a family name alone is too thin to test
    n = name_forms(r, rng)
    if folded:
        if fold(n) == n:
            return None
        n = fold(n)
    if not is_ascii(fold(n)):
        return None
    group = idx.by_name[r.kname]
    if len(group) > cap:
        return None
    if rng.random() < 0.2:
        n = n.lower()
    q = rng.choice(AUTHOR_T).format(n=n)
    return finish(q, rng), ids_of(idx, i, group)


def make_title_author(idx, i, rng, cap):
    r = idx.recs[i]
    if not r.kname or not r.ksur or len(r.kname.split()) < 2:
        return None
    t, k, by = pick_title(r, rng)
    if title_words(t) > 12 or len(k) < 3:
        return None
    surname_only = rng.random() < 0.5
    if surname_only:
        n = surname_of(r.name)
        group = [j for j in title_group(idx, k, by) if idx.recs[j].ksur == r.ksur]
    else:
        n = natural_name(r.name)
        group = [j for j in title_group(idx, k, by) if idx.recs[j].kname == r.kname]
    if len(group) > cap:
        return None
    q = rng.choice(TITLE_AUTHOR_T).format(t=quote(title_text(t, rng), rng), n=n)
    return finish(q, rng), ids_of(idx, i, group)


def make_isbn(idx, i, rng, cap):
    r = idx.recs[i]
    valid = [d for d in r.isbns if isbn_valid(d)]
    if not valid:
        return None
    d = rng.choice(valid)
    group = idx.by_isbn[isbn13(d)]
    if len(group) > cap:
        return None
    s = hyphenate(d, rng) if rng.random() < 0.4 else d
    if s.endswith("X") and rng.random() < 0.3:
        s = s[:-1] + "x"
    q = rng.choice(ISBN_T).format(i=s)
    if len(d) == 13 and q.startswith("ISBN ") and rng.random() < 0.3:
        q = "ISBN-13: " + s
    return finish(q, rng), ids_of(idx, i, group)


def make_short(idx, i, rng, cap):
    r = idx.recs[i]
    if not is_short(idx, r):
        return None
    group = idx.by_a[r.ka]
    if len(group) > cap:
        return None
    t = r.a
    if rng.random() < 0.35:
        t = t.lower()
    q = rng.choice(SHORT_T).format(t=quote(t, rng))
    return finish(q, rng), ids_of(idx, i, group)


def make_folded(idx, i, rng, cap):
    r = idx.recs[i]
    title_marked = fold(r.full) != r.full or fold(r.a) != r.a
    name_marked = bool(r.name) and fold(r.name) != r.name
    if title_marked and (not name_marked or rng.random() < 0.6):
        return make_title(idx, i, rng, cap, folded=True)
    if name_marked:
        return make_author(idx, i, rng, cap, folded=True)
    return None


# ---------------------------------------------------------------------------------------


def qkey(q):
    return key(q)


def quotas(count):
    raw = [(k, share * count) for k, share in MIX]
    n = {k: int(v) for k, v in raw}
    rest = count - sum(n.values())
    for k, v in sorted(raw, key=lambda kv: kv[1] - int(kv[1]), reverse=True)[:rest]:
        n[k] += 1
    return n


def generate(idx, seed, count, cap, excluded_q, excluded_ids):
    rng = random.Random(seed)
    n = len(idx.recs)
    eligible = {
        "title": range(n),
        "author": [i for i, r in enumerate(idx.recs) if r.kname],
        "title_author": [i for i, r in enumerate(idx.recs) if r.kname],
        "isbn": [i for i, r in enumerate(idx.recs) if r.isbns],
        "folded": [
            i for i, r in enumerate(idx.recs)
            if fold(r.full) != r.full or (r.name and fold(r.name) != r.name)
        ],
        "short_title": [i for i, r in enumerate(idx.recs) if is_short(idx, r)],
    }
    builders = {
        "title": make_title,
        "author": make_author,
        "title_author": make_title_author,
        "isbn": make_isbn,
        "folded": make_folded,
        "short_title": make_short,
    }
    seen_q = set(excluded_q)
    used = set(excluded_ids)  # records already behind a case
    cases = []
    for kind, want in quotas(count).items():
        pool = eligible[kind]
        got, tries = 0, 0
        while got < want and tries < 200 * max(want, 1) and pool:
            tries += 1
            i = pool[rng.randrange(len(pool))]
            if idx.recs[i].id in used:
                continue
            made = builders[kind](idx, i, rng, cap)
            if not made:
                continue
            q, expect = made
            k = qkey(q)
            if not k or k in seen_q:
                continue
            seen_q.add(k)
            used.add(idx.recs[i].id)
            cases.append({"q": q, "expect": expect, "kind": kind})
            got += 1
        if got < want:
            print(f"warning: only {got} of {want} {kind} cases", file=sys.stderr)
    return cases


def read_exclusions(path):
    qs, ids = set(), set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                c = json.loads(line)
                qs.add(qkey(c["q"]))
                if c.get("expect"):
                    ids.add(c["expect"][0].removeprefix("catalogue:"))
    return qs, ids


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("marcfile", help="MARC 21 file, UTF-8, ISO 2709")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--cap", type=int, default=200,
                    help="largest group of right answers a case may have (default 200)")
    ap.add_argument("--exclude", metavar="FILE.jsonl",
                    help="skip the questions and source records of these cases")
    ap.add_argument("--stats", action="store_true", help="print facts about the file to stderr")
    args = ap.parse_args()

    start = time.perf_counter()
    recs, stats = load(args.marcfile)
    idx = Index(recs)
    excluded_q, excluded_ids = read_exclusions(args.exclude) if args.exclude else (set(), set())
    cases = generate(idx, args.seed, args.count, args.cap, excluded_q, excluded_ids)
    out = sys.stdout
    for c in cases:
        out.write(json.dumps(c, ensure_ascii=False) + "\n")

    per_kind = collections.Counter(c["kind"] for c in cases)
    print(f"{len(cases)} cases: " + ", ".join(f"{k} {per_kind[k]}" for k, _ in MIX),
          file=sys.stderr)
    if args.stats:
        for k, v in stats.items():
            print(f"  {k}: {v}", file=sys.stderr)
        dup_full = sum(1 for g in idx.by_full.values() if len(g) > 1)
        in_dup = sum(len(g) for g in idx.by_full.values() if len(g) > 1)
        print(f"  titles shared by several records: {dup_full} ({in_dup} records)",
              file=sys.stderr)
        big = sorted(((len(g), k) for k, g in idx.by_a.items()), reverse=True)[:5]
        print("  largest 245 $a groups: " + "; ".join(f"{k!r} {n}" for n, k in big),
              file=sys.stderr)
        bign = sorted(((len(g), k) for k, g in idx.by_name.items()), reverse=True)[:5]
        print("  largest 100 $a groups: " + "; ".join(f"{k!r} {n}" for n, k in bign),
              file=sys.stderr)
        with_isbn = sum(1 for r in recs if r.isbns)
        bad = sum(1 for r in recs if r.isbns and not any(isbn_valid(d) for d in r.isbns))
        print(f"  with an ISBN: {with_isbn}; none of them valid: {bad}", file=sys.stderr)
        print(f"  over --cap: {sum(1 for g in idx.by_a.values() if len(g) > args.cap)} "
              f"$a groups, {sum(1 for g in idx.by_name.values() if len(g) > args.cap)} "
              f"author groups", file=sys.stderr)
    print(f"  {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
