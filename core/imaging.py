"""Safe loading of uploaded photos: decide by content, bound the cost, decode fully.

Uploads are untrusted bytes. The file name and declared content type say nothing, so
the decoder is restricted to JPEG and PNG (Pillow would otherwise also try formats
such as FITS, whose bomb bypasses its pixel check). Size is bounded twice before any
pixel is decoded: by byte count, then by the header's width, height and pixel count
(a phone photo needs at most ~40 Mpx; Pillow's own limit is ~89 Mpx). Only then is
the image decoded completely, so a truncated upload fails here rather than reaching
OCR as a half-grey picture.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import Final, Literal

from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES: Final = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS: Final = 40_000_000
# Longest side accepted; a 40 Mpx 4:3 photo is 7300 px wide, a panorama ~12000.
DEFAULT_MAX_SIDE: Final = 12_000

RejectionCode = Literal[
    "IMAGE_TOO_LARGE", "IMAGE_TRUNCATED", "UNSUPPORTED_FILE_TYPE", "IMAGE_MALFORMED"
]

_FORMATS: Final = ("JPEG", "PNG")
# warnings.catch_warnings swaps the process-wide filter list; the lock keeps two
# uploads opened at once from restoring each other's filters.
_open_lock = threading.Lock()


class ImageRejected(Exception):
    """An upload that is not an acceptable photo; ``code`` is stable for clients."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code: RejectionCode = code
        self.message = message

    def __repr__(self) -> str:
        return f"ImageRejected({self.code}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class LoadedImage:
    """A fully decoded RGB image, EXIF orientation applied; sizes are after that."""

    image: Image.Image
    format: Literal["JPEG", "PNG"]
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    with _open_lock, warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; for uploads any
        # bomb suspicion is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(BytesIO(data), formats=list(_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("IMAGE_TOO_LARGE", "图片像素过多") from exc
        except UnidentifiedImageError as exc:
            raise ImageRejected("UNSUPPORTED_FILE_TYPE", "仅支持 JPEG 或 PNG 图片") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _damaged(exc) from exc


def _damaged(exc: BaseException) -> ImageRejected:
    """Truncated (Pillow says so, or the data ran out) versus otherwise undecodable."""
    if isinstance(exc, EOFError) or "truncated" in str(exc).lower():
        return ImageRejected("IMAGE_TRUNCATED", "图片文件不完整")
    return ImageRejected("IMAGE_MALFORMED", "图片文件已损坏")


def _decode(image: Image.Image) -> None:
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports a short read as OSError("image file is truncated ...").
        raise _damaged(exc) from exc


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation a phone records instead of rotating the pixels."""
    try:
        turned = ImageOps.exif_transpose(image)
    except (ValueError, OSError, SyntaxError, KeyError, TypeError):
        # A damaged EXIF block does not damage the pixels: keep them as stored.
        return image
    return turned if turned is not None else image


def load_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
) -> LoadedImage:
    """Check and decode an uploaded JPEG or PNG; raise :class:`ImageRejected` if unfit."""
    if len(data) > max_bytes:
        raise ImageRejected("IMAGE_TOO_LARGE", f"图片不能超过 {max_bytes // (1024 * 1024)} MB")
    image = _open(data)
    try:
        width, height = image.size
        if width > max_side or height > max_side or width * height > max_pixels:
            raise ImageRejected("IMAGE_TOO_LARGE", f"图片尺寸 {width}×{height} 过大")
        fmt = image.format
        if fmt not in _FORMATS:
            raise ImageRejected("UNSUPPORTED_FILE_TYPE", "仅支持 JPEG 或 PNG 图片")
        _decode(image)
    except ImageRejected:
        image.close()
        raise
    # Not closed on success: the result may be this very object, and the source is
    # an in-memory buffer that needs no closing.
    upright = _upright(image)
    rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
    return LoadedImage(
        image=rgb,
        format="JPEG" if fmt == "JPEG" else "PNG",
        width=rgb.width,
        height=rgb.height,
    )


_TRANSPOSE: Final = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def rotate(image: Image.Image, degrees_clockwise: int) -> Image.Image:
    """Turn by a multiple of 90 degrees clockwise, losslessly (pixels are only moved).

    Pillow's ``ROTATE_*`` constants count counter-clockwise, hence the table.
    """
    turn = degrees_clockwise % 360
    if turn == 0:
        return image.copy()
    if turn not in _TRANSPOSE:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {degrees_clockwise}")
    return image.transpose(_TRANSPOSE[turn])
