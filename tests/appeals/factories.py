"""Test data for appeals: photos made with Pillow, and appeals made through the service (so
every invariant the service keeps holds in tests too)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import ExifTags, Image

from appeals import services
from appeals.models import Appeal

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (34.0, 45.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (113.0, 37.0, 48.2),
}


def photo_bytes(fmt: str = "JPEG", *, gps: bool = True, orientation: int | None = 6, size=(64, 48)) -> bytes:
    """A small photo as a phone writes it: EXIF with a GPS IFD and an orientation."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FakePhone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def upload(name: str = "photo.jpg", data: bytes | None = None, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo_bytes() if data is None else data, content_type=content_type)


def make_appeal(*, submitter: Any, **fields: Any) -> Appeal:
    values = {"category": "environment", "title": "楼道堆放杂物", "description": "三单元楼道堆满纸箱，存在消防隐患。"}
    values.update(fields)
    return services.appeal_submit(actor=submitter, **values)


def run_at_once(fn: Callable[[], Any], threads: int) -> list[Any]:
    """Run `fn` in `threads` threads released together (each with its own database
    connection); return their results, re-raising the first error."""
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(fn())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return results
