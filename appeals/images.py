"""Checking and cleaning an uploaded photo before it is stored.

A photo must really be a JPEG, PNG or WebP image (Pillow opens and verifies it; the name and
the Content-Type the client sends prove nothing), and it is re-encoded with a fresh EXIF block
that holds only the orientation: the GPS IFD (where the phone wrote the location), the camera
serial numbers and XMP are left behind. Pillow is the library for this; what we add is the
choice of what survives.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import ExifTags, Image, UnidentifiedImageError

from backend.errors import InvalidInput
from backend.messages import Msg

# Pillow format -> (content type, file extension, encoder options).
FORMATS: dict[str, tuple[str, str, dict]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": "keep", "subsampling": "keep"}),
    "PNG": ("image/png", "png", {}),
    "WEBP": ("image/webp", "webp", {"quality": 90}),
}
# A decoded image larger than settings.IMAGE_MAX_PIXELS is refused from its header, before
# decoding (a small file can claim enormous dimensions; decoding costs 4 bytes a pixel).


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _not_an_image() -> InvalidInput:
    return InvalidInput(
        Msg("请上传 JPEG、PNG 或 WebP 格式的图片。", "Upload a JPEG, PNG or WebP image."),
        code="invalid_image",
        fields={"file": [Msg("不是 JPEG、PNG 或 WebP 图片。", "not a JPEG, PNG or WebP image")]},
    )


def clean_image(stream: IO[bytes]) -> CleanImage:
    """Verify that `stream` holds a supported image and return it re-encoded without metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            stream.seek(0)
            with Image.open(stream) as probe:
                if probe.format not in FORMATS:
                    raise _not_an_image()
                if probe.width * probe.height > settings.IMAGE_MAX_PIXELS:
                    raise _not_an_image()
                probe.verify()  # structure and checksums; the object is unusable afterwards
            stream.seek(0)
            with Image.open(stream) as image:
                image.load()
                return _reencode(image)
        except InvalidInput:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _not_an_image() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt data
            raise _not_an_image() from exc


def _reencode(image: Image.Image) -> CleanImage:
    content_type, extension, options = FORMATS[image.format]
    params: dict = dict(options)
    orientation = image.getexif().get(ExifTags.Base.Orientation)
    if orientation:  # a fresh EXIF block with only the phone's "which way is up"
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = orientation
        params["exif"] = exif.tobytes()
    for key in ("icc_profile", "transparency", "dpi"):  # how it looks, not who or where
        if key in image.info:
            params[key] = image.info[key]
    out = io.BytesIO()
    # Only the first frame of an animated image is kept; encoderinfo is exactly `params`.
    image.save(out, format=image.format, **params)
    return CleanImage(
        data=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )
