#!/usr/bin/env python3
"""Judges the guest's meson test log against the expected failures.

    check-results.py TESTLOG.json GUEST_TESTS EXPECTED_FAILURES

Every test named in GUEST_TESTS must have run: it must pass, unless
EXPECTED_FAILURES lists it, and then it must fail. Prints one line per test
and exits 1 on any mismatch."""
import json
import sys


def names(path, with_reason=False):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out if with_reason else list(out)


def results(path):
    got = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            got[rec["name"].rpartition(" / ")[2]] = (rec["result"], rec["duration"])
    return got


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wanted = names(sys.argv[2])
    expected = names(sys.argv[3], with_reason=True)
    got = results(sys.argv[1])
    bad = 0
    for name in expected:
        if name not in wanted:
            print(f"kernel-suite: {name} is listed as an expected failure but is not a guest test")
            bad += 1
    for name in wanted:
        result, secs = got.get(name, ("MISSING", 0.0))
        if name in expected:
            ok = result == "FAIL"
            verdict = "expected failure" if ok else f"{result}, listed as expected to fail: remove its line"
            if ok:
                verdict += f" ({expected[name]})"
        else:
            ok = result == "OK"
            verdict = "ok" if ok else result
        print(f"  {name:28} {secs:7.1f}s  {verdict}")
        bad += not ok
    passed = sum(1 for n in wanted if got.get(n, ("",))[0] == "OK")
    print(f"kernel-suite: {passed} of {len(wanted)} pass in the guest, "
          f"{len(expected)} expected to fail, {bad} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
