#!/usr/bin/env python3
"""Checks Cargo.toml's rust-version: not below what any locked dependency declares, and not
above the toolchain that builds the project here."""
import json
import subprocess
import sys


def version(text):
    return tuple(int(part) for part in text.split(".")[:3])


def main():
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--features", "mysql"],
        check=True, capture_output=True, text=True).stdout)
    ours = next(p for p in meta["packages"] if p["id"] in meta["workspace_members"])
    declared = ours.get("rust_version")
    if not declared:
        sys.exit("Cargo.toml has no rust-version")
    used = {n["id"] for n in meta["resolve"]["nodes"]}
    needed = max(((version(p["rust_version"]), p["name"]) for p in meta["packages"]
                  if p["id"] in used and p.get("rust_version")), default=((0,), "none"))
    rustc = subprocess.run(["rustc", "--version"], check=True, capture_output=True, text=True)
    toolchain = version(rustc.stdout.split()[1].split("-")[0])
    if version(declared) < needed[0]:
        sys.exit(f"rust-version {declared} is below {'.'.join(map(str, needed[0]))}, "
                 f"which the locked {needed[1]} needs")
    if version(declared) > toolchain:
        sys.exit(f"rust-version {declared} is above this toolchain ({rustc.stdout.strip()})")
    print(f"rust-version {declared}: locked dependencies need at most "
          f"{'.'.join(map(str, needed[0]))} ({needed[1]}); toolchain {rustc.stdout.strip()}")


main()
