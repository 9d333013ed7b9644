"""Every leaf path of the report's schema is in analysis/README.md's table
of where each figure comes from, and every path of the table is in the
schema: the table cannot drift from the report."""
import json
import os
import re
import sys
import unittest

ROOT = os.environ.get("SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../.."))
SCHEMA = os.path.join(ROOT, "schema", "report.schema.json")
COMPARE_SCHEMA = os.path.join(ROOT, "schema", "compare.schema.json")
TABLE = os.path.join(ROOT, "analysis", "README.md")
DIST_KEYS = ["count", "min", "mean", "stdev", "p50", "p90", "p99", "p999", "p9999", "max",
             "hist[].lo", "hist[].hi", "hist[].count"]


def leaf_paths(defs, root):
    """Leaf paths below root: '.'-joined keys, <name> for any key, [] for
    array items. A distribution (dist_ns) is one path ending in '.*'; the
    runs of a multi-server report are one path (each is a run, walked
    already)."""
    def resolve(node):
        while "$ref" in node:
            rest = {k: v for k, v in node.items() if k != "$ref"}
            node = dict(defs[node["$ref"].split("/")[-1]], **rest)
        return node

    def walk(node, path, out):
        ref = node.get("$ref", "")
        if ref.endswith("/dist_ns") or ref.endswith("/dist_ns_no_hist"):
            out.add(path + ".*")
            return
        if ref.endswith("/run") and path:
            out.add(path)
            return
        node = resolve(node)
        alts = node.get("oneOf", []) + node.get("anyOf", [])
        for alt in alts:
            walk(alt, path, out)
        props = node.get("properties", {})
        for key, sub in props.items():
            walk(sub, path + "." + key if path else key, out)
        extra, items = node.get("additionalProperties"), node.get("items")
        if isinstance(extra, dict):
            walk(extra, path + ".<name>", out)
        if isinstance(items, dict):
            walk(items, path + "[]", out)
        if not props and not alts and not isinstance(extra, dict) and not isinstance(items, dict):
            out.add(path)

    out = set()
    walk(root, "", out)
    return out


def schema_paths(schema):
    """The report's paths; a multi-server report's as 'multi:PATH'."""
    defs = schema["$defs"]
    return leaf_paths(defs, defs["run"]) | {"multi:" + p for p in leaf_paths(defs, defs["multi"])}


def compare_paths(schema):
    """The paths of compare's -o (its own schema), as 'compare:PATH'."""
    return {"compare:" + p for p in leaf_paths(schema["$defs"], schema)}


def expand(path):
    """'a.{b,c}.d' -> ['a.b.d', 'a.c.d'], innermost first."""
    m = re.search(r"\{([^{}]*)\}", path)
    if not m:
        return [path]
    return [q for alt in m.group(1).split(",")
            for q in expand(path[:m.start()] + alt + path[m.end():])]


def table_paths(text):
    """First column of the tables after the heading "Where each figure comes from"."""
    out = {}
    text = text.split("## Where each figure comes from", 1)[-1]
    for line in text.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m and "(" in line:  # a table row naming a function
            for p in expand(m.group(1)):
                out.setdefault(p, line)
    return out


class JsonPathTable(unittest.TestCase):
    def setUp(self):
        with open(SCHEMA) as f:
            self.schema = schema_paths(json.load(f))
        with open(COMPARE_SCHEMA) as f:
            self.schema |= compare_paths(json.load(f))
        with open(TABLE) as f:
            self.table = table_paths(f.read())

    def test_every_schema_path_is_in_the_table(self):
        missing = sorted(self.schema - set(self.table))
        self.assertFalse(missing, "paths of the schema not in analysis/README.md: %s" % missing)

    def test_every_table_path_is_in_the_schema(self):
        stale = sorted(set(self.table) - self.schema)
        self.assertFalse(stale, "paths in analysis/README.md not in the schema: %s" % stale)

    def test_every_row_names_a_function_and_its_file(self):
        for path, row in self.table.items():
            self.assertRegex(row.split("|")[2], r"`\w+` \((analysis|src|loader|loadgen)/[\w/]+\.c\)",
                             "row of %s" % path)

    def test_every_named_function_is_in_its_file(self):
        """`name` (dir/file.c): the file defines or calls name, so the hop lands."""
        for path, row in self.table.items():
            for name, src in re.findall(r"`(\w+)` \(((?:analysis|src|loader|loadgen|servers)/[\w/]+\.c)", row):
                with open(os.path.join(ROOT, src)) as f:
                    self.assertRegex(f.read(), r"\b%s\(" % name, "%s: %s not in %s" % (path, name, src))

    def test_distributions_use_the_one_key_set(self):
        with open(SCHEMA) as f:
            dist = json.load(f)["$defs"]["dist_ns"]
        keys = sorted(dist["required"])
        self.assertEqual(keys, sorted([k for k in DIST_KEYS if "[]" not in k] + ["hist"]))
        for path in self.schema:
            if path.endswith(".*"):
                self.assertTrue(path[:-2].endswith("_ns"), "%s: a distribution is named *_ns" % path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
