# tpch_compare.py GOT EXPECTED — compare psql's unaligned output (`|`
# separated, header line, no footer) of one TPC-H query with the reference
# answer by the rules of ../shared/tpch/README.md: numbers with two or fewer
# decimals (money) to the cent, other numbers within 1 %, strings exactly
# (trailing blanks of char(n) ignored). Exit 0 when equal, else 1 with the
# first difference printed.
import sys


def cells(path):
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip() != ""]
    return [l.split("|") for l in lines[1:]]  # drop the header


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def same(g, e):
    if g.rstrip() == e.rstrip():
        return True
    a, b = num(g), num(e)
    if a is None or b is None:
        return False
    decimals = len(e.split(".")[1]) if "." in e else 0
    if decimals <= 2:
        return abs(a - b) <= 0.01 + 1e-9
    return abs(a - b) <= max(abs(b) * 0.01, 1e-9)


got, want = cells(sys.argv[1]), cells(sys.argv[2])
if len(got) != len(want):
    print("row count %d, expected %d" % (len(got), len(want)))
    sys.exit(1)
for i, (g, w) in enumerate(zip(got, want)):
    if len(g) != len(w) or not all(same(x, y) for x, y in zip(g, w)):
        print("row %d differs:\n  got      %s\n  expected %s" % (i + 1, "|".join(g), "|".join(w)))
        sys.exit(1)
sys.exit(0)
