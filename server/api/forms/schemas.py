import marshmallow as ma

from server.api.smorest import QueryArgsSchema, Schema

TEXT = "A text: one string with ?lang=, else a mapping language -> string"


class FormSummarySchema(Schema):
    key = ma.fields.String()
    version = ma.fields.Integer()
    versions = ma.fields.List(ma.fields.Integer())
    title = ma.fields.Raw(metadata={"description": TEXT})
    languages = ma.fields.List(ma.fields.String())
    default_language = ma.fields.String()
    fingerprint = ma.fields.String()


class FormSchema(FormSummarySchema):
    description = ma.fields.Raw(metadata={"description": TEXT})
    language = ma.fields.String(metadata={"description": "The language chosen for ?lang="})
    sections = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Sections with their questions; see docs/forms.md"},
    )


class FormListArgsSchema(QueryArgsSchema):
    lang = ma.fields.String(validate=ma.validate.Length(min=2, max=16))


class FormArgsSchema(Schema):
    version = ma.fields.Integer(validate=ma.validate.Range(min=1))
    lang = ma.fields.String(
        validate=ma.validate.Length(min=2, max=16),
        metadata={
            "description": "Texts in one language, falling back to the form's default language"
        },
    )
