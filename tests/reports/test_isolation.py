"""reports is a plain library: importing and using it must not pull in the web or storage stack."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from .pdfs import read_pdf

FORBIDDEN = ("flask", "sqlalchemy", "boto3", "botocore", "flask_smorest", "server")


RENDER_ALL = """
import base64, json, sys
import reports, reports.samples as s
pdfs = [
    reports.render_branch_scorecard(s.sample_scorecard("pl")),
    reports.render_visit_report(s.sample_visit_report("nb", auditor_name="A")),
    reports.render_comparison_report(s.sample_comparison("cs", branches=5)),
]
print(json.dumps({
    "modules": sorted(sys.modules),
    "pdfs": [base64.b64encode(pdf).decode() for pdf in pdfs],
}))
"""


def test_rendering_every_report_loads_no_flask_sqlalchemy_boto3_or_server() -> None:
    result = subprocess.run(
        [sys.executable, "-c", RENDER_ALL], capture_output=True, text=True, check=True
    )
    output = json.loads(result.stdout)

    assert [m for m in output["modules"] if m.split(".")[0] in FORBIDDEN] == []
    assert "reports.scorecard" in output["modules"]
    for pdf in output["pdfs"]:
        read_pdf(base64.b64decode(pdf))


def test_importing_reports_registers_no_font() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import reports\nfrom reportlab.pdfbase import pdfmetrics\n"
            "print('ReportSans' in pdfmetrics.getRegisteredFontNames())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
