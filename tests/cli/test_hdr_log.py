"""--hdr-log: the interval log is read back by a decoder written here from
HdrHistogram's format (base64, the V2 compressed wrapper, zlib, ZigZag
LEB128 counts with runs of zeros, bucket values from the header's lowest
value and significant digits), not from our code. Every interval's count,
p50, p99 and max must match the report's timeline, and the intervals
together the run's whole histogram, bucket for bucket. HdrHistogram's own
HistogramLogProcessor (Debian's libhdrhistogram-java) reads the same log to
the run's count, median and max."""
import base64
import math
import os
import shutil
import struct
import subprocess
import sys
import unittest
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402
from harness import PYTHON, TMPDIR, run, validate  # noqa: E402

SERVER = PYTHON + " -m http.server --bind 127.0.0.1 {port}"
HDR_JAR = "/usr/share/java/hdrhistogram.jar"


def zigzag_leb128(data, pos):
    """One value of HdrHistogram's LEB128: 7 bits a byte, 8 in the ninth."""
    value, shift = 0, 0
    for i in range(9):
        b = data[pos + i]
        if i == 8:
            value |= b << 56
            break
        value |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            break
    return (value >> 1) ^ -(value & 1), pos + i + 1


def decode(text):
    """A histogram's base64 text -> (header fields, {counts index: count})."""
    raw = base64.b64decode(text, validate=True)
    cookie, length = struct.unpack(">Ii", raw[:8])
    assert cookie & ~0xf0 == 0x1c849304, "compressed cookie %#x" % cookie
    payload = zlib.decompress(raw[8:8 + length])
    assert len(raw) == 8 + length, "bytes after the compressed histogram"
    cookie, plen, offset, digits, lowest, highest, ratio = struct.unpack(">Iiiiqqd", payload[:40])
    assert cookie & ~0xf0 == 0x1c849303, "encoding cookie %#x" % cookie
    assert len(payload) == 40 + plen, "payload length %d for %d bytes" % (plen, len(payload) - 40)
    counts, index, pos = {}, 0, 40
    while pos < len(payload):
        v, pos = zigzag_leb128(payload, pos)
        if v < 0:
            index += -v
        else:
            if v:
                counts[index] = v
            index += 1
    return dict(offset=offset, digits=digits, lowest=lowest, highest=highest, ratio=ratio), counts


def bucket_range(header, index):
    """[lowest, highest] equivalent values of a counts index, as HdrHistogram
    lays them out for the header's lowest value and significant digits."""
    sub_count = 1 << math.ceil(math.log2(2 * 10 ** header["digits"]))
    half_mag = int(math.log2(sub_count)) - 1
    half = sub_count // 2
    unit_mag = int(math.log2(header["lowest"]))
    bucket = (index >> half_mag) - 1
    sub = (index & (half - 1)) + half
    if bucket < 0:
        sub -= half
        bucket = 0
    lo = sub << (bucket + unit_mag)
    return lo, lo + (1 << (bucket + unit_mag)) - 1


def read_log(path):
    header, lines = [], []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                header.append(line)
            elif line.startswith('"StartTimestamp"'):
                header.append(line)
            else:
                lines.append(line.split(","))
    return header, lines


def at_percentile(hdr, counts, pct):
    """The highest equivalent value of the sample of rank ceil(pct/100 n)."""
    n = sum(counts.values())
    rank, seen = max(1, math.ceil(pct / 100 * n)), 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= rank:
            return bucket_range(hdr, index)[1]
    raise AssertionError("rank past the end")


def report_bucket_lo(v):
    """The report's bucket holding v: one per ns below 256, then 128 per power of two."""
    if v < 256:
        return v
    width = 1 << (v.bit_length() - 1 - 7)
    return v - v % width


def logged_run(name):
    log = os.path.join(TMPDIR, name)
    r = run(["--server-cmd", SERVER, "--no-ebpf", "-q", "-c", "4", "-d", "3s",
             "--interval", "500ms", "--hdr-log", log])
    return r, log


class HdrLog(harness.BenchTest):
    def test_log_matches_the_timeline(self):
        r, log = logged_run("run.hlog")
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertCleanAfter(r)
        report = r.json
        validate(report)
        header, lines = read_log(log)
        self.assertTrue(header[0].startswith("#[Histogram log format version 1."), header)
        self.assertTrue(header[1].startswith("#[StartTime: ") and "(seconds since epoch)" in header[1])
        self.assertTrue(header[2].startswith("#[BaseTime: "), header)
        self.assertEqual(header[3], '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"')
        intervals = report["timeline"]["intervals"]
        self.assertEqual(len(lines), len(intervals), "one line per interval")
        whole = {}
        for fields, iv in zip(lines, intervals):
            self.assertEqual(len(fields), 4, fields[:3])
            start, length, top = map(float, fields[:3])
            self.assertAlmostEqual(start, iv["start_ns"] / 1e9, delta=0.0005)
            self.assertAlmostEqual(length, iv["duration_ns"] / 1e9, delta=0.0005)
            hdr, counts = decode(fields[3])
            self.assertEqual((hdr["offset"], hdr["ratio"]), (0, 1.0))
            lat = iv["latency_ns"]
            self.assertEqual(sum(counts.values()), lat["count"], "interval at %s s" % start)
            if not lat["count"]:
                continue
            self.assertAlmostEqual(top, lat["max"] / 1e6, delta=0.0005, msg="Interval_Max in ms")
            lo, hi = bucket_range(hdr, max(counts))
            self.assertTrue(lo <= lat["max"] <= hi, "max %d in the top bucket [%d, %d]" % (lat["max"], lo, hi))
            for key, pct in (("p50", 50), ("p99", 99)):
                self.assertEqual(min(at_percentile(hdr, counts, pct), lat["max"]), lat[key], key)
            for index, c in counts.items():
                whole[index] = whole.get(index, 0) + c
        # The log has the histogram's buckets (3 digits), the report's hist
        # the same counts at 2 digits: each log bucket lies in one of those.
        coarse = {}
        for i, c in whole.items():
            lo = report_bucket_lo(bucket_range(hdr, i)[0])
            coarse[lo] = coarse.get(lo, 0) + c
        run_hist = report["client"]["latency_ns"]["hist"]
        self.assertEqual(sorted(coarse.items()), [(b["lo"], b["count"]) for b in run_hist],
                         "the intervals add up to the run")

    def test_hdrhistograms_own_reader(self):
        if not (os.path.exists(HDR_JAR) and shutil.which("java")):
            self.skipTest("no %s or java: ./bootstrap.sh install" % HDR_JAR)
        r, log = logged_run("java.hlog")
        self.assertEqual(r.rc, 0, r.stderr)
        p = subprocess.run(["java", "-cp", HDR_JAR, "org.HdrHistogram.HistogramLogProcessor", "-i", log,
                            "-csv", "-outputValueUnitRatio", "1"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [l.split(",") for l in p.stdout.splitlines() if l[:1].isdigit()]
        lat = r.json["client"]["latency_ns"]
        self.assertEqual(int(rows[-1][2]), lat["count"], "HistogramLogProcessor's total count")
        median = [float(v) for v, pct, *_ in rows if float(pct) == 0.5]
        self.assertEqual(median, [lat["p50"]], "its median (the same rank rule at 50 %)")
        top = float(rows[-1][0])
        self.assertTrue(lat["max"] <= top <= lat["max"] * 1.001 + 1, "its max %s for %s" % (top, lat["max"]))

    def test_unwritable_path_fails_before_the_run(self):
        r = run(["--server-cmd", SERVER, "--no-ebpf", "-q", "-d", "1s",
                 "--hdr-log", "/nonexistent-dir/run.hlog"])
        self.assertOneLineError(r, "/nonexistent-dir/run.hlog", rc=1)
        self.assertNotIn("starting", r.stderr)


if __name__ == "__main__":
    harness.main()
