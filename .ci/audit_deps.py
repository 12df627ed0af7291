"""pip-audit over the project's virtualenv: every pinned requirement and what it pulls in.

Exit 1 when a known vulnerability is found (or pip-audit fails for a reason other than the network).
Exit 0, with a loud NOT AUDITED line, when the vulnerability data cannot be fetched: the machine
may reach only a package index that serves installs but no vulnerability data (pip-audit then reports
every package as "not found on PyPI"), or no network at all. Without this script, plain
`pip-audit` would print "No known vulnerabilities found" while it audited nothing.

Run: `make audit-deps` (or `.venv/bin/python .ci/audit_deps.py`). PIP_AUDIT_SERVICE=osv to ask OSV.
"""

import json
import os
import subprocess
import sys
import tempfile

NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "ReadTimeout", "ConnectTimeout")
NOT_FOUND = "not found on PyPI"


def main() -> int:
    service = os.environ.get("PIP_AUDIT_SERVICE", "pypi")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "audit.json")
        cmd = [sys.executable, "-m", "pip_audit", "--vulnerability-service", service, "--format", "json",
               "--output", report, "--progress-spinner", "off", "--timeout", "30"]  # fmt: skip
        run = subprocess.run(cmd, capture_output=True, text=True)
        data = None
        if os.path.exists(report) and os.path.getsize(report):
            with open(report) as f:
                data = json.load(f)
    if data is None:
        if any(marker in run.stderr for marker in NETWORK_ERRORS):
            last = run.stderr.strip().splitlines()[-1][:300]
            print(f"pip-audit: NOT AUDITED: the vulnerability service ({service}) cannot be reached: {last}")
            return 0
        print(run.stdout, run.stderr, sep="\n")
        print(f"pip-audit: failed (exit {run.returncode}) for a reason other than the network")
        return 1
    deps = data.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    audited = len(deps) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable package(s) of {audited} audited")
        return 1
    unreachable = [d for d in skipped if NOT_FOUND in d["skip_reason"]]
    other = [d for d in skipped if d not in unreachable]
    for dep in other:
        print(f"pip-audit: skipped {dep['name']}: {dep['skip_reason']}")
    if unreachable:
        print(
            f"pip-audit: NOT AUDITED: the vulnerability service ({service}) has no data for {len(unreachable)} of "
            f"{len(deps)} packages (the index reached here serves packages but not their vulnerability records); "
            f"{audited} audited, 0 known vulnerabilities among them"
        )
        return 0
    print(f"pip-audit: 0 known vulnerabilities in {audited} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
