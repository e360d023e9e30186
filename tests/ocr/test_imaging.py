"""Upload checks: content decides, size is bounded before decoding, EXIF is honoured."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from PIL import Image

from core.imaging import ImageRejected, load_image, rotate

# bad_inputs.json describes each file; the code is what our API promises for it.
EXPECTED_CODES = {
    "truncated_jpeg": "IMAGE_TRUNCATED",
    "decompression_bomb": "IMAGE_TOO_LARGE",
    "text_renamed_jpg": "UNSUPPORTED_FILE_TYPE",
}


def _bad_inputs(fixtures_dir: Path) -> list[tuple[Path, str]]:
    listing = json.loads((fixtures_dir / "bad" / "bad_inputs.json").read_text("utf-8"))
    return [(fixtures_dir / "bad" / f["file"], EXPECTED_CODES[f["what"]]) for f in listing["files"]]


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_each_bad_upload_is_rejected_quickly_with_its_code(fixtures_dir: Path) -> None:
    cases = _bad_inputs(fixtures_dir)
    assert len(cases) == 3
    for path, code in cases:
        started = time.perf_counter()
        with pytest.raises(ImageRejected) as caught:
            load_image(path.read_bytes())
        assert caught.value.code == code, path.name
        # The bomb must be refused from its header, not after inflating 900 MB.
        assert time.perf_counter() - started < 1.0, path.name


def test_accepts_a_certificate_photo(fixtures_dir: Path) -> None:
    loaded = load_image((fixtures_dir / "title_cert_00.jpg").read_bytes())
    assert (loaded.format, loaded.width, loaded.height) == ("JPEG", 1830, 1372)
    assert loaded.image.mode == "RGB"


def test_png_is_converted_to_rgb() -> None:
    loaded = load_image(_encode(Image.new("L", (30, 20), 128), "PNG"))
    assert (loaded.format, loaded.image.mode, loaded.image.size) == ("PNG", "RGB", (30, 20))


def test_other_formats_are_refused_by_content() -> None:
    with pytest.raises(ImageRejected) as caught:
        load_image(_encode(Image.new("RGB", (10, 10)), "GIF"))
    assert caught.value.code == "UNSUPPORTED_FILE_TYPE"


def test_limits_apply_before_decoding() -> None:
    photo = _encode(Image.new("RGB", (400, 300)), "PNG")
    for limits in ({"max_bytes": 100}, {"max_pixels": 100_000}, {"max_side": 399}):
        with pytest.raises(ImageRejected) as caught:
            load_image(photo, **limits)
        assert caught.value.code == "IMAGE_TOO_LARGE", limits


def test_undecodable_pixels_are_malformed() -> None:
    photo = bytearray(_encode(Image.new("RGB", (64, 64), (200, 30, 30)), "PNG"))
    idat = photo.index(b"IDAT")
    photo[idat + 4 : idat + 12] = b"\xff" * 8  # corrupt the zlib stream, keep the length
    with pytest.raises(ImageRejected) as caught:
        load_image(bytes(photo))
    assert caught.value.code == "IMAGE_MALFORMED"


def test_exif_orientation_is_applied() -> None:
    # Stored 40x20, left half red, right half blue, tagged "rotate 90° clockwise
    # to display" (orientation 6): shown upright it is 20x40, red on top.
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    loaded = load_image(_encode(stored, "JPEG", exif=exif.tobytes(), quality=95))
    assert (loaded.width, loaded.height) == (20, 40)
    top, bottom = loaded.image.getpixel((10, 5)), loaded.image.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_rotate_turns_clockwise() -> None:
    image = Image.new("RGB", (4, 2), (0, 0, 0))
    image.putpixel((0, 0), (255, 255, 255))  # marks the top-left corner
    turned = rotate(image, 90)
    assert turned.size == (2, 4)
    assert turned.getpixel((1, 0)) == (255, 255, 255)  # top-left went to top-right
    assert rotate(image, 180).getpixel((3, 1)) == (255, 255, 255)
    assert rotate(image, 270).getpixel((0, 3)) == (255, 255, 255)
    assert rotate(image, 0).tobytes() == image.tobytes()
    with pytest.raises(ValueError, match="multiple of 90"):
        rotate(image, 45)
