"""audit_forms is a plain library: importing it must not pull in the web or storage stack."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("flask", "sqlalchemy", "boto3", "botocore", "flask_smorest", "server")


def test_importing_audit_forms_loads_no_flask_sqlalchemy_or_boto3() -> None:
    code = (
        "import json, sys\n"
        "import audit_forms, audit_forms.__main__\n"
        "forms = audit_forms.load_builtin_forms()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    loaded = [m for m in modules if m.split(".")[0] in FORBIDDEN]
    assert loaded == []
    assert "audit_forms.scoring" in modules
