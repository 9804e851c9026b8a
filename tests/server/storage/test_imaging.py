"""Photo verification over the whole corpus, plus the limits that keep bombs cheap."""

from __future__ import annotations

import hashlib
import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile, WebPImagePlugin
from pillow_heif.as_plugin import _LibHeifImageFile

from server.imaging import (
    THUMBNAIL_EDGE,
    CleanPhoto,
    PhotoRejected,
    inspect_and_clean,
)
from tests.fixtures.corpus import (
    CORPUS_MAX_BYTES,
    FORBIDDEN_BYTES,
    Accepted,
    CorpusFile,
    Rejected,
    corpus_file,
    corpus_names,
)
from tests.server.storage.helpers import Endless, Trickle

JPEG_TOLERANCE = 12  # per channel, after lossy re-encoding


def clean(file: CorpusFile) -> CleanPhoto:
    return inspect_and_clean(Trickle(file.data), CORPUS_MAX_BYTES, max_pixels=file.max_pixels)


def is_accepted(file: CorpusFile) -> bool:
    return isinstance(file.expect, Accepted)


def assert_neutralised(jpeg: bytes) -> None:
    lowered = jpeg.lower()
    for forbidden in FORBIDDEN_BYTES:
        assert forbidden.lower() not in lowered
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)


def assert_near(actual: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert all(abs(a - e) <= JPEG_TOLERANCE for a, e in zip(actual, expected, strict=True)), (
        actual,
        expected,
    )


@pytest.mark.parametrize("name", corpus_names(is_accepted))
def test_an_accepted_file_comes_out_clean(name: str) -> None:
    file = corpus_file(name)
    expect = file.expect
    assert isinstance(expect, Accepted)

    photo = clean(file)

    assert photo.original_format == expect.format
    assert (photo.width, photo.height) == expect.size
    assert photo.sha256 == hashlib.sha256(file.data).hexdigest()
    assert photo.original_size == len(file.data)
    assert photo.captured_at == expect.captured_at
    assert photo.captured_utc_offset == expect.captured_utc_offset
    if expect.gps is None:
        assert photo.gps is None
    else:
        assert photo.gps == pytest.approx(expect.gps, abs=1e-5)
    assert_neutralised(photo.jpeg)
    assert_neutralised(photo.thumbnail)
    with Image.open(io.BytesIO(photo.jpeg)) as image:
        assert image.size == expect.size and image.mode == "RGB"
        for position, colour in expect.pixels:
            assert_near(image.getpixel(position), colour)
    with Image.open(io.BytesIO(photo.thumbnail)) as thumbnail:
        assert thumbnail.size == photo.thumbnail_size
        assert max(thumbnail.size) <= THUMBNAIL_EDGE


@pytest.mark.parametrize("name", corpus_names(lambda file: not is_accepted(file)))
def test_a_rejected_file_names_its_reason(name: str) -> None:
    file = corpus_file(name)
    assert isinstance(file.expect, Rejected)

    # Time and memory of every rejection: bench/corpus.py.
    with pytest.raises(PhotoRejected) as rejected:
        clean(file)

    assert rejected.value.code == file.expect.code
    assert rejected.value.message


def refuse_to_decode(*args, **kwargs):
    raise AssertionError("a bomb was decoded")


@pytest.mark.parametrize(
    "name", corpus_names(lambda file: file.expect == Rejected("too_many_pixels"))
)
def test_a_bomb_is_refused_before_any_pixel_is_decoded(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = corpus_file(name)
    file.data  # noqa: B018 - made before decoding is forbidden (making it encodes images)
    for plugin in (ImageFile.ImageFile, WebPImagePlugin.WebPImageFile, _LibHeifImageFile):
        monkeypatch.setattr(plugin, "load", refuse_to_decode)

    with pytest.raises(PhotoRejected) as rejected:
        clean(file)

    assert rejected.value.code == "too_many_pixels"


def test_the_corpus_is_big_and_varied() -> None:
    files = [corpus_file(name) for name in corpus_names()]
    codes = {file.expect.code for file in files if isinstance(file.expect, Rejected)}

    assert len(files) >= 20
    assert codes >= {
        "too_large",
        "empty",
        "not_an_image",
        "unsupported_format",
        "too_many_pixels",
        "truncated",
    }
    assert {file.expect.format for file in files if isinstance(file.expect, Accepted)} == {
        "JPEG",
        "PNG",
        "WEBP",
        "HEIF",
    }


def test_reading_stops_one_byte_past_the_limit() -> None:
    endless = Endless()

    with pytest.raises(PhotoRejected) as rejected:
        inspect_and_clean(endless, max_bytes=100_000)

    assert rejected.value.code == "too_large"
    assert endless.consumed == 100_001


def test_the_pixel_limit_is_configurable() -> None:
    photo = corpus_file("photo.jpg")  # 640 x 480 = 307,200 pixels

    accepted = inspect_and_clean(io.BytesIO(photo.data), CORPUS_MAX_BYTES, max_pixels=307_200)
    with pytest.raises(PhotoRejected) as rejected:
        inspect_and_clean(io.BytesIO(photo.data), CORPUS_MAX_BYTES, max_pixels=307_199)

    assert accepted.width == 640
    assert rejected.value.code == "too_many_pixels"


def test_a_large_photo_gets_a_small_thumbnail() -> None:
    photo = clean(corpus_file("photo.jpg"))

    assert photo.thumbnail_size == (320, 240)
    assert len(photo.thumbnail) < len(photo.jpeg)


def test_process_wide_pillow_state_is_left_as_found() -> None:
    limit_before = Image.MAX_IMAGE_PIXELS
    filters_before = list(warnings.filters)

    clean(corpus_file("gps_datetime.jpg"))
    with pytest.raises(PhotoRejected):
        clean(corpus_file("bomb_9000.png"))

    assert Image.MAX_IMAGE_PIXELS == limit_before
    assert warnings.filters == filters_before


def test_the_capture_time_can_carry_its_offset() -> None:
    photo = clean(corpus_file("gps_datetime.jpg"))

    assert photo.captured_at_aware == datetime(
        2026, 10, 14, 9, 41, 7, tzinfo=timezone(timedelta(hours=2))
    )
    assert clean(corpus_file("gps_datetime.heic")).captured_at_aware is None


FUZZ_SEEDS = ["photo.jpg", "photo.png", "photo.webp", "photo.heic", "gps_datetime.jpg"]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(FUZZ_SEEDS),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    cut=st.none() | st.integers(min_value=1),
)
def test_damaged_photos_are_accepted_or_rejected_never_crash(
    name: str, flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(corpus_file(name).data)
    for position, value in flips:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data) + 1]

    try:
        photo = inspect_and_clean(io.BytesIO(bytes(data)), CORPUS_MAX_BYTES)
    except PhotoRejected as rejected:
        assert rejected.code in {
            "not_an_image",
            "unsupported_format",
            "truncated",
            "too_many_pixels",
        }
    else:
        assert_neutralised(photo.jpeg)


@settings(max_examples=100, deadline=None, database=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_are_never_accepted_by_accident(data: bytes) -> None:
    with pytest.raises(PhotoRejected):
        inspect_and_clean(io.BytesIO(data), CORPUS_MAX_BYTES)


def test_photos_can_be_checked_from_many_threads_at_once() -> None:
    # gthread workers check photos concurrently; the shared Pillow state must hold up.
    names = ["photo.jpg", "bomb_9000.png", "photo.heic", "orientation6.jpg", "page.jpg"] * 4
    files = [corpus_file(name) for name in names]
    limit_before = Image.MAX_IMAGE_PIXELS

    def outcome(file: CorpusFile) -> object:
        try:
            photo = clean(file)
        except PhotoRejected as rejected:
            return rejected.code
        return photo.original_format, photo.width, photo.height

    expected = [outcome(file) for file in files]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(outcome, files)) == expected
    assert Image.MAX_IMAGE_PIXELS == limit_before
