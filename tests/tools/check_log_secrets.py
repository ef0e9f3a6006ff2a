#!/usr/bin/env python3
"""Looks for secrets in the logs of a test run (issue 15: nothing secret in logs).

Usage: check_log_secrets.py LOG_DIR

LOG_DIR is the GPD_TEST_LOG_DIR of the run: the service's logs at debug level (`*.log`) and
`printed-secrets.txt`, what commands printed for their user plus the keys the harness created.
Secrets looked for, literally: every API key, webhook secret and sealing key the tests created
(taken from printed-secrets.txt), the suite's GPD_SECRET_KEYS (whole and its base64 part), and
the portal passwords the tests type. Patterns: anything shaped like an API key (`gpd_<id>_<48
hex>`) or a webhook secret (`whsec_<64 hex>`), recorded or not. Exits 1 naming each find.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEY = re.compile(r"gpd_[A-Za-z0-9]+_[0-9a-f]{48}")
WEBHOOK = re.compile(r"whsec_[0-9a-f]{64}")
SEALING = re.compile(r"\b[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=")


def suite_secrets():
    common = (ROOT / "tests/common/mod.rs").read_text()
    found = set()
    m = re.search(r'TEST_SECRET_KEYS: &str = "([^"]+)"', common)
    if m:
        found.add(m.group(1))
        found.add(m.group(1).split(":", 1)[1])
    for path in (ROOT / "tests").glob("*.rs"):
        for literal in re.findall(r'"([^"\\]{8,})"', path.read_text()):
            if "password" in literal.lower() and " " not in literal:
                found.add(literal)
    m = re.search(r'OPERATOR_PW: &str = "([^"]+)"', (ROOT / "tests/portal.rs").read_text())
    if m:
        found.add(m.group(1))
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    log_dir = pathlib.Path(sys.argv[1])
    logs = sorted(log_dir.glob("*.log"))
    if not logs:
        sys.exit(f"check_log_secrets: no *.log in {log_dir}: were the tests run with GPD_TEST_LOG_DIR?")
    printed = log_dir / "printed-secrets.txt"
    text = printed.read_text(errors="replace") if printed.exists() else ""
    created = set(KEY.findall(text)) | set(WEBHOOK.findall(text)) | set(SEALING.findall(text))
    literal = created | suite_secrets()
    finds, lines, size = [], 0, 0
    for log in logs:
        data = log.read_text(errors="replace")
        size += len(data)
        for number, line in enumerate(data.splitlines(), 1):
            lines += 1
            hits = {s for s in literal if s in line}
            hits |= set(KEY.findall(line)) | set(WEBHOOK.findall(line))
            for hit in sorted(hits):
                masked = line.replace(hit, hit[:8] + "<...>")
                finds.append(f"{log.name}:{number}: {hit[:8]}<...> in: {masked[:200]}")
    kinds = (
        f"{sum(1 for s in created if KEY.fullmatch(s))} API keys, "
        f"{sum(1 for s in created if WEBHOOK.fullmatch(s))} webhook secrets, "
        f"{sum(1 for s in created if SEALING.fullmatch(s))} sealing keys"
    )
    summary = (
        f"log secrets: {len(logs)} log files ({lines} lines, {size / 1048576:.1f} MiB) checked for "
        f"{len(literal)} secrets the tests made or typed ({kinds}, plus the suite's sealing key and "
        f"passwords) and for anything shaped like an API key or webhook secret"
    )
    if finds:
        print("\n".join(finds[:50]), file=sys.stderr)
        print(f"{summary}: {len(finds)} FOUND", file=sys.stderr)
        sys.exit(1)
    if not created:
        sys.exit(f"{summary}: no secret was recorded, so the check proves nothing")
    print(f"{summary}: none found")


if __name__ == "__main__":
    main()
