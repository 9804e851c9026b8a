"""Bands: ranges of a measured answer (seconds, hours, ...) and the share of points each earns.

Shared by the duration and number types. In a definition:

    bands:
      - {from: 0, to: 120, share: 1}      # the first band includes its `from`
      - {from: 120, to: 300, share: 0.5}  # a value v is in a band when from < v <= to
      - {from: 300, share: 0}             # only the last band may leave out `to`
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import fields, post_load, validate

from audit_forms.decimals import canonical
from audit_forms.fields import ListField, NumberField, StrictSchema, non_empty
from audit_forms.model import Band
from audit_forms.question_types.base import DefinitionProblem


class BandSchema(StrictSchema):
    lower = NumberField(data_key="from", required=True)
    upper = NumberField(data_key="to")
    share = NumberField(
        required=True, validate=validate.Range(min=0, max=1, error="must be between 0 and 1")
    )

    @post_load
    def _make_band(self, data: dict[str, Any], **kwargs: Any) -> Band:
        return Band(lower=data["lower"], upper=data.get("upper"), share=data["share"])


def bands_field(*, required: bool) -> ListField:
    return ListField(fields.Nested(BandSchema), required=required, validate=non_empty())


def loaded_bands(data: Any) -> tuple[Band, ...] | None:
    """The bands when every one of them loaded cleanly, else None (their problems are known)."""
    bands = data.get("bands")
    if isinstance(bands, list) and bands and all(isinstance(band, Band) for band in bands):
        return tuple(bands)
    return None


def check_bands(
    bands: Sequence[Band], *, start: Decimal, end: Decimal | None
) -> Iterator[DefinitionProblem]:
    """Bands must start at `start`, follow each other without gaps or overlaps, cover every
    answer up to `end` (or have an open last band when answers have no upper limit), and one of
    them must give all the points."""
    if bands[0].lower != start:
        yield ("bands", 0, "from"), f"the first band must start at {canonical(start)}"
    last = len(bands) - 1
    for index, band in enumerate(bands):
        if band.upper is None:
            if index != last:
                yield ("bands", index, "to"), "required: only the last band may leave out `to`"
        elif band.upper <= band.lower:
            yield ("bands", index, "to"), f"must be greater than from ({canonical(band.lower)})"
        if index == 0:
            continue
        previous = bands[index - 1].upper
        if previous is None:
            continue
        if band.lower < previous:
            message = f"overlaps the band before, which ends at {canonical(previous)}"
            yield ("bands", index, "from"), message
        elif band.lower > previous:
            message = f"leaves a gap after the band before, which ends at {canonical(previous)}"
            yield ("bands", index, "from"), message
    final = bands[last].upper
    if final is not None:
        if end is None:
            message = "the last band must leave out `to`: answers have no upper limit"
            yield ("bands", last, "to"), message
        elif final < end:
            message = f"the bands stop at {canonical(final)} but answers go up to {canonical(end)}"
            yield ("bands", last, "to"), message
    if not any(band.share == 1 for band in bands):
        yield ("bands",), "one band must have share 1, or no answer could earn all the points"


def dump_bands(bands: Sequence[Band], number: Any) -> list[dict[str, Any]]:
    return [band.to_dict(number) for band in bands]
