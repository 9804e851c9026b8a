"""Photo verification and cleaning: untrusted bytes in, a clean JPEG and its facts out.

Pure: no Flask, no database, no storage. Every photo is re-encoded, so whatever rode along in
the upload (EXIF with the auditor's home address, ICC/XMP blobs, an HTML page or a ZIP appended
after the image data) never reaches a manager's browser.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
import struct
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import IO, Any

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_CONTENT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}
)
CLEAN_CONTENT_TYPE = "image/jpeg"
DEFAULT_MAX_PIXELS = 50_000_000  # a 48 MP phone camera fits; ~150 MB once decoded as RGB
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

_READ_CHUNK = 64 * 1024
_SPOOL_IN_MEMORY = 4 * 1024 * 1024  # larger uploads spill to a temporary file
# Errors Pillow and pillow-heif raise for malformed data (they are not consistent about which).
_DECODE_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
    struct.error,
    RuntimeError,
    IndexError,
)


class PhotoRejected(Exception):
    """The upload is not a photo we accept; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    sha256: str  # hex digest of the bytes as uploaded
    original_size: int  # bytes as uploaded
    original_format: str  # one of ACCEPTED_FORMATS
    width: int  # after applying the EXIF orientation
    height: int
    jpeg: bytes  # the clean image: baseline JPEG, no EXIF/ICC/XMP/comments
    thumbnail: bytes  # JPEG, longest edge at most THUMBNAIL_EDGE
    thumbnail_size: tuple[int, int]
    captured_at: datetime | None  # naive, the camera's wall clock as written in EXIF
    captured_utc_offset: timedelta | None  # EXIF OffsetTimeOriginal, when the camera wrote one
    gps: tuple[float, float] | None  # (latitude, longitude) in degrees, read before stripping

    content_type = CLEAN_CONTENT_TYPE

    @property
    def captured_at_aware(self) -> datetime | None:
        """The capture time with its offset, when both are known."""
        if self.captured_at is None or self.captured_utc_offset is None:
            return None
        return self.captured_at.replace(tzinfo=timezone(self.captured_utc_offset))


@dataclass(frozen=True, slots=True)
class _Metadata:
    orientation: int = 1
    captured_at: datetime | None = None
    captured_utc_offset: timedelta | None = None
    gps: tuple[float, float] | None = None


def inspect_and_clean(
    stream: IO[bytes], max_bytes: int, max_pixels: int = DEFAULT_MAX_PIXELS
) -> CleanPhoto:
    """Check an uploaded photo and return its clean re-encoding, or raise `PhotoRejected`.

    Reads at most `max_bytes + 1` bytes from `stream`, and rejects any image above `max_pixels`
    from its header, before a single pixel is decoded.
    """
    if max_bytes < 1 or max_pixels < 1:
        raise ValueError("max_bytes and max_pixels must be positive")
    _register_heif()
    with _spooled(stream, max_bytes) as (spool, size, digest):
        image = _open(spool, max_pixels)
        _decode(image, max_pixels)
        metadata = _read_metadata(image)
        original_format = "JPEG" if image.format == "MPO" else str(image.format)
    picture = _to_rgb(image)
    del image  # let the decoded original go before the turned copy is made
    picture = _upright(picture, metadata.orientation)
    picture.info = {}  # nothing of the original's metadata may reach the encoder
    thumbnail = _thumbnail(picture)
    return CleanPhoto(
        sha256=digest,
        original_size=size,
        original_format=original_format,
        width=picture.width,
        height=picture.height,
        jpeg=_encode_jpeg(picture, JPEG_QUALITY),
        thumbnail=_encode_jpeg(thumbnail, THUMBNAIL_QUALITY),
        thumbnail_size=thumbnail.size,
        captured_at=metadata.captured_at,
        captured_utc_offset=metadata.captured_utc_offset,
        gps=metadata.gps,
    )


@functools.cache
def _register_heif() -> None:
    # Only the primary image is used: skip decoding thumbnails, depth maps and aux images.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


@contextmanager
def _spooled(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[IO[bytes], int, str]]:
    """Copy at most `max_bytes` from `stream` into a seekable spool, hashing on the way."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        # Never ask for more than one byte past the limit: that byte alone proves "too large".
        while chunk := stream.read(min(_READ_CHUNK, max_bytes + 1 - size)):
            size += len(chunk)
            if size > max_bytes:
                raise PhotoRejected("too_large", f"the photo is larger than {max_bytes} bytes")
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise PhotoRejected("empty", "the upload is empty")
        spool.seek(0)
        yield spool, size, digest.hexdigest()  # type: ignore[misc]


_PILLOW_STATE = threading.Lock()


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Pillow's warnings about a malformed file ignored, for this block only.

    The photo is judged by exceptions, the same way under pytest (warnings as errors) and in
    production. Warning filters are process-wide, so they change under a lock and are restored
    on the way out; the blocks inside only parse headers and metadata, taking milliseconds.
    """
    with _PILLOW_STATE, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextmanager
def _strict_pillow(max_pixels: int) -> Iterator[None]:
    """Pillow's own pixel limit at `max_pixels` and its bomb warning an error, here only.

    Pillow checks the limit right after parsing the header (the WebP plugin even before it
    allocates its canvas), so an image above it is refused before anything is decoded.
    """
    with _quiet_pillow():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _too_many_pixels(max_pixels: int) -> PhotoRejected:
    return PhotoRejected("too_many_pixels", f"the photo has more than {max_pixels} pixels")


def _open(spool: IO[bytes], max_pixels: int) -> ImageFile.ImageFile:
    """Parse the header only, in one of the accepted formats, and check the pixel count."""
    try:
        with _strict_pillow(max_pixels):
            image = Image.open(spool, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        spool.seek(0)
        raise _unidentified(spool.read(1024)) from exc
    except _DECODE_ERRORS as exc:
        raise PhotoRejected("truncated", "the image data is incomplete or damaged") from exc
    width, height = image.size
    if width < 1 or height < 1:
        image.close()
        raise PhotoRejected("not_an_image", "the image has no pixels")
    if width * height > max_pixels:  # Pillow already refused these; this states the rule
        image.close()
        raise _too_many_pixels(max_pixels)
    return image


def _decode(image: ImageFile.ImageFile, max_pixels: int) -> None:
    """Decode the first frame fully, so truncated or corrupt data is caught now."""
    try:
        image.load()
    except _DECODE_ERRORS as exc:
        raise PhotoRejected("truncated", "the image data is incomplete or damaged") from exc
    # pillow-heif takes the real size from the decoded data, which the header may understate.
    if image.width * image.height > max_pixels:
        raise _too_many_pixels(max_pixels)


def _is_bmp(head: bytes) -> bool:
    # "BM" alone would match any text starting with those letters; check the DIB header size.
    return head[:2] == b"BM" and len(head) >= 18 and head[14] in (12, 40, 52, 56, 64, 108, 124)


def _is_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<svg") or (text.startswith((b"<?xml", b"<!--")) and b"<svg" in text)


# Image formats people may send that we recognise but do not accept.
_UNSUPPORTED = (
    ("GIF", lambda h: h[:6] in (b"GIF87a", b"GIF89a")),
    ("TIFF", lambda h: h[:4] in (b"II*\x00", b"MM\x00*")),
    ("BMP", _is_bmp),
    ("PSD", lambda h: h[:4] == b"8BPS"),
    ("JPEG 2000", lambda h: h[:4] == b"\xff\x4f\xff\x51" or h[4:12] == b"jP  \r\n\x87\n"),
    ("JPEG XL", lambda h: h[:2] == b"\xff\x0a" or h[4:12] == b"JXL \r\n\x87\n"),
    ("AVIF", lambda h: h[4:8] == b"ftyp" and h[8:12] in (b"avif", b"avis")),
    ("SVG", _is_svg),
)


def _unidentified(head: bytes) -> PhotoRejected:
    for name, matches in _UNSUPPORTED:
        if matches(head):
            return PhotoRejected(
                "unsupported_format", f"{name} is not accepted; send a JPEG, PNG, WebP or HEIC"
            )
    return PhotoRejected("not_an_image", "the file is not an image")


def _read_metadata(image: Image.Image) -> _Metadata:
    """Orientation, capture time and GPS position from EXIF; damaged metadata counts as none."""
    try:
        with _quiet_pillow():
            exif = image.getexif()  # tags are parsed lazily: every lookup belongs in here
            exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
            gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
            orientation = exif.get(ExifTags.Base.Orientation)
            captured = exif_ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(
                ExifTags.Base.DateTimeOriginal
            )
            return _Metadata(
                orientation=orientation if isinstance(orientation, int) else 1,
                captured_at=_parse_exif_datetime(captured),
                captured_utc_offset=_parse_exif_offset(
                    exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)
                ),
                gps=_parse_gps(gps_ifd),
            )
    except Exception:  # parsing untrusted metadata may fail in many ways; none rejects a photo
        return _Metadata()


# EXIF orientation -> the turn that shows the picture upright (ImageOps.exif_transpose's table).
# Not exif_transpose itself: it rewrites the untrusted EXIF afterwards, which can raise on
# corrupt tags, and that EXIF is thrown away here anyway.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(picture: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    return picture if method is None else picture.transpose(method)


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else None


def _parse_exif_datetime(value: Any) -> datetime | None:
    text = _text(value)
    if not text or len(text) < 19:
        return None
    # EXIF says "2026:10:14 09:41:07"; some writers use "-" or "T".
    normal = text[:10].replace("-", ":") + " " + text[11:19]
    try:
        return datetime.strptime(normal, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


_OFFSET_RE = re.compile(r"([+-])(\d{2}):(\d{2})")


def _parse_exif_offset(value: Any) -> timedelta | None:
    match = _OFFSET_RE.fullmatch(_text(value) or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if offset > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return -offset if sign == "-" else offset


def _parse_gps(gps: Any) -> tuple[float, float] | None:
    latitude = _degrees(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S", 90
    )
    longitude = _degrees(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W", 180
    )
    if latitude is None or longitude is None:
        return None
    if latitude == 0 and longitude == 0:  # cameras without a fix often write zeros
        return None
    return latitude, longitude


def _degrees(value: Any, ref: Any, negative: str, limit: float) -> float | None:
    """Degrees, minutes, seconds (rationals) to signed decimal degrees; None when nonsense."""
    parts = value if isinstance(value, tuple) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(number) and number >= 0 for number in numbers):
        return None
    degrees = sum(number / 60**index for index, number in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if (_text(ref) or "").upper() == negative else degrees


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB: 16-bit grey scaled, alpha flattened onto white, colours brought into sRGB.

    Returns `image` itself when it is already plain RGB: no copy of a 12 MP picture.
    """
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # A plain convert clips 16-bit values to 255, turning a grey photo white.
        image = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        image = _flatten(image)
    if icc and image.mode in ("RGB", "CMYK", "L"):
        # Phones write Display P3 and print shops CMYK: convert, rather than drop, the profile.
        converted = _icc_to_srgb(image, icc)
        if converted is not None:
            return converted
    return image if image.mode == "RGB" else image.convert("RGB")


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _icc_to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _srgb(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken or mismatched profile: fall back to a plain conversion


def _thumbnail(picture: Image.Image) -> Image.Image:
    width, height = picture.size
    scale = THUMBNAIL_EDGE / max(width, height)
    if scale >= 1:
        return picture
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap shrinks by whole factors first: much faster on 12+ MP photos.
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode_jpeg(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif, icc_profile, xmp or comment arguments, and `picture.info` is empty: the
    # encoder writes the pixels and a bare JFIF header, nothing else.
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()
