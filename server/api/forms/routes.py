from flask.views import MethodView
from flask_smorest import Page

from server.api.forms.schemas import (
    FormArgsSchema,
    FormListArgsSchema,
    FormSchema,
    FormSummarySchema,
)
from server.api.smorest import Blueprint
from server.extensions import db
from server.services import forms

blp = Blueprint("forms", __name__, url_prefix="/api/v1/forms", description="Published checklists")


def _presented(stored, lang=None, full=False):
    data = forms.form_of(stored).to_dict(lang)
    if not full:
        data.pop("sections")
    return {**data, "fingerprint": stored.fingerprint, "versions": forms.versions_of(stored.key)}


@blp.route("")
class FormViews(MethodView):
    @blp.login_required()
    @blp.arguments(FormListArgsSchema, location="query")
    @blp.response(200, FormSummarySchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List published forms, newest version of each"""
        # A handful of forms: presented in Python, paged as a list.
        latest = db.session.scalars(forms.list_latest_forms())
        return [_presented(stored, args.get("lang")) for stored in latest]


@blp.route("/<string:key>")
class FormByKeyViews(MethodView):
    @blp.login_required()
    @blp.arguments(FormArgsSchema, location="query")
    @blp.response(200, FormSchema)
    def get(self, args, key):
        """One form: the newest version, or ?version=; texts in one language with ?lang="""
        stored = forms.get_form_version(key, args.get("version"))
        return _presented(stored, args.get("lang"), full=True)
