#!/usr/bin/env python3
"""Reads what test.sh left in TestResults/: per test project, test methods and cases (a theory is one method with
many cases, so the count can be read honestly); per product project, line and branch coverage merged over every
test project that ran it (coverlet's Cobertura files). Prints to stdout; test.sh prints its own last line."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

results = sys.argv[1] if len(sys.argv) > 1 else "TestResults"
TRX = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"

print("Tests per project (methods: test methods; cases: what ran, each theory row counted):")
for trx in sorted(glob.glob(os.path.join(results, "*.trx"))):
    root = ET.parse(trx).getroot()
    methods = {(m.get("className"), m.get("name")) for m in root.iter(TRX + "TestMethod")}
    outcomes = [r.get("outcome") for r in root.iter(TRX + "UnitTestResult")]
    name = os.path.splitext(os.path.basename(trx))[0]
    print(f"  {name}: {len(methods)} methods, {len(outcomes)} cases, "
          f"{outcomes.count('Passed')} passed, {outcomes.count('Failed')} failed")

# Coverage: a line counts as covered when any test project ran it; a branch point by the most conditions any covered.
lines = {}     # (package, file, line) -> hit
branches = {}  # (package, file, line) -> (covered, total)
for cobertura in glob.glob(os.path.join(results, "**", "coverage.cobertura.xml"), recursive=True):
    root = ET.parse(cobertura).getroot()
    # File names are relative to the run's source root, which differs between test projects: compare full paths.
    base = next((s.text for s in root.iter("source") if s.text), "")
    for package in root.iter("package"):
        for cls in package.iter("class"):
            path = os.path.normpath(os.path.join(base, cls.get("filename")))
            for line in cls.iter("line"):
                key = (package.get("name"), path, int(line.get("number")))
                lines[key] = lines.get(key, False) or int(line.get("hits", "0")) > 0
                match = re.search(r"\((\d+)/(\d+)\)", line.get("condition-coverage", ""))
                if match:
                    covered, total = int(match.group(1)), int(match.group(2))
                    old = branches.get(key, (0, total))
                    branches[key] = (max(old[0], covered), total)

if not lines:
    print("Coverage: no coverage files found (coverlet.collector)")
    sys.exit(0)
print("Coverage per project (lines and branches run by any test project):")
for package in sorted({k[0] for k in lines}):
    if package.endswith(".Tests") or package.endswith("TestSupport"):
        continue
    own = [hit for k, hit in lines.items() if k[0] == package]
    points = [v for k, v in branches.items() if k[0] == package]
    line_rate = 100.0 * sum(own) / len(own)
    covered = sum(c for c, _ in points)
    total = sum(t for _, t in points)
    branch = f"{100.0 * covered / total:.1f} % of {total} branches" if total else "no branches"
    print(f"  {package}: {line_rate:.1f} % of {len(own)} lines, {branch}")
