from flask import Response
from flask.views import MethodView

from reports import render_comparison_report
from server.api.comparison import exports
from server.api.comparison.schemas import (
    ComparisonArgsSchema,
    ComparisonSchema,
    HeatmapArgsSchema,
    HeatmapSchema,
    TrendArgsSchema,
    TrendSchema,
    WeakestQuestionsArgsSchema,
    WeakestQuestionsSchema,
)
from server.api.files import file_response
from server.api.smorest import Blueprint, current_user
from server.models import Role
from server.models.types import utcnow
from server.services import comparison

blp = Blueprint(
    "comparison",
    __name__,
    url_prefix="/api/v1",
    description="HQ comparison: league table and exports, trends, heat map, weakest questions",
)

# Who compares branches: HQ everywhere, regional managers within their areas.
COMPARERS = (Role.ADMIN, Role.HQ, Role.REGIONAL_MANAGER)
# Who reads trends: also branch managers, for their own branches.
TREND_READERS = (*COMPARERS, Role.BRANCH_MANAGER)


def _comparison(args) -> comparison.Comparison:
    return comparison.compare(
        current_user(),
        args["period"],
        area_id=args.get("area"),
        form_key=args["form"],
        level=args["level"],
        min_visits=args["min_visits"],
        lang=args.get("lang"),
    )


def _export(content: bytes, table: comparison.Comparison, extension: str, mimetype: str):
    return file_response(
        content, exports.filename(table, extension), mimetype, None, attachment=True
    )


@blp.route("/comparison")
class ComparisonViews(MethodView):
    @blp.login_required(*COMPARERS)
    @blp.arguments(ComparisonArgsSchema, location="query")
    @blp.response(200, ComparisonSchema)
    def get(self, args):
        """League table of the branches (or child areas) in the caller's scope"""
        return _comparison(args)


@blp.route("/comparison.csv")
class ComparisonCsvViews(MethodView):
    @blp.login_required(*COMPARERS)
    @blp.arguments(ComparisonArgsSchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="text/csv")
    def get(self, args) -> Response:
        """The league table as CSV (UTF-8 with BOM, `;`-separated, plain numbers)"""
        table = _comparison(args)
        return _export(exports.comparison_csv(table), table, "csv", "text/csv")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/comparison.xlsx")
class ComparisonXlsxViews(MethodView):
    @blp.login_required(*COMPARERS)
    @blp.arguments(ComparisonArgsSchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX)
    def get(self, args) -> Response:
        """The league table as an Excel workbook (league table, section means, about)"""
        table = _comparison(args)
        return _export(exports.comparison_xlsx(table), table, "xlsx", XLSX)


@blp.route("/comparison.pdf")
class ComparisonPdfViews(MethodView):
    @blp.login_required(*COMPARERS)
    @blp.arguments(ComparisonArgsSchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
    def get(self, args) -> Response:
        """The league table as a PDF report, in ?lang= or the caller's language"""
        table = _comparison(args)
        pdf = render_comparison_report(exports.comparison_report(table, utcnow().date()))
        return _export(pdf, table, "pdf", "application/pdf")


@blp.route("/trends")
class TrendViews(MethodView):
    @blp.login_required(*TREND_READERS)
    @blp.arguments(TrendArgsSchema, location="query")
    @blp.response(200, TrendSchema)
    def get(self, args):
        """Visits, mean score and section means per month or quarter of a branch or an area"""
        return comparison.trend(
            current_user(),
            branch_id=args.get("branch"),
            area_id=args.get("area"),
            first=args["first"],
            last=args["last"],
            granularity=args["granularity"],
            form_key=args["form"],
            lang=args.get("lang"),
        )


@blp.route("/heatmap")
class HeatmapViews(MethodView):
    @blp.login_required(*COMPARERS)
    @blp.arguments(HeatmapArgsSchema, location="query")
    @blp.response(200, HeatmapSchema)
    def get(self, args):
        """Mean section scores per branch (or child area), with the visits behind each"""
        return comparison.heatmap(
            current_user(),
            args["period"],
            area_id=args.get("area"),
            form_key=args["form"],
            level=args["level"],
            lang=args.get("lang"),
        )


@blp.route("/weakest-questions")
class WeakestQuestionViews(MethodView):
    @blp.login_required(*COMPARERS)
    @blp.arguments(WeakestQuestionsArgsSchema, location="query")
    @blp.response(200, WeakestQuestionsSchema)
    def get(self, args):
        """The questions with the lowest pass rate or mean score in the caller's scope"""
        return comparison.weakest_questions(
            current_user(),
            args["period"],
            area_id=args.get("area"),
            form_key=args["form"],
            limit=args["limit"],
            lang=args.get("lang"),
        )
