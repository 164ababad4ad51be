"""Uploaded images are judged by content, limited, and re-encoded (webapp/media/images.py)."""

import hashlib
import io
import random
import struct
import zlib

import pytest
from PIL import Image

from webapp.media.images import AVATAR_SIZE, ImageRejected, Limits, reencode

from .pictures import GPS_IFD, MAKE, exif_of, jpeg_with_gps, opened, picture

LIMITS = Limits(max_bytes=1024 * 1024, max_pixels=4_000_000)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def refusal(data: bytes, limits: Limits = LIMITS, **options) -> str:
    with pytest.raises(ImageRejected) as refused:
        reencode(data, limits, **options)
    return refused.value.reason


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming a huge canvas: the shape of a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    pixels = zlib.compress(b"\0" * 1024)
    idat = struct.pack(">I", len(pixels)) + b"IDAT" + pixels
    idat += struct.pack(">I", zlib.crc32(b"IDAT" + pixels))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + end


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF", "WEBP"])
def test_each_allowed_kind_is_taken_and_keeps_its_kind(kind):
    image = reencode(picture(kind), LIMITS)

    assert opened(image.data).format == kind
    assert image.content_type == f"image/{kind.lower()}"
    assert image.name.endswith("." + image.extension)


def test_exif_and_gps_are_stripped_by_re_encoding():
    original = jpeg_with_gps()
    assert exif_of(original).get_ifd(GPS_IFD)  # the test's picture really carries a position

    image = reencode(original, LIMITS)

    assert not exif_of(image.data).get_ifd(GPS_IFD)
    assert MAKE not in exif_of(image.data)
    assert b"PhoneMaker" not in image.data


def test_the_avatar_is_cropped_square_and_at_most_256_pixels():
    image = reencode(jpeg_with_gps(size=(1000, 500)), LIMITS, avatar=True)

    assert opened(image.data).size == (AVATAR_SIZE, AVATAR_SIZE)
    assert b"PhoneMaker" not in image.data


@pytest.mark.parametrize(
    "data",
    [SVG, HTML, b"GIF89a<script>alert(1)</script>", b"%PDF-1.4", b"\x89PNG\r\n\x1a\nbroken"],
    ids=["svg", "html", "gif-header-then-script", "pdf", "truncated-png"],
)
def test_anything_but_a_decodable_jpeg_png_gif_or_webp_is_refused(data):
    assert refusal(data) == "type"


def test_a_real_image_of_another_format_is_refused():
    assert refusal(picture("BMP")) == "type"
    assert refusal(picture("TIFF")) == "type"


def test_a_polyglot_keeps_only_its_pixels():
    """An image with an HTML page appended (it decodes, and would sniff as HTML): what is
    stored is the re-encoded image, without the page."""
    polyglot = picture("PNG") + HTML

    image = reencode(polyglot, LIMITS)

    assert b"<script>" not in image.data
    assert opened(image.data).size == (40, 30)


def test_too_many_bytes_are_refused_before_decoding():
    data = picture("PNG", size=(300, 300))

    assert refusal(data, Limits(max_bytes=len(data) - 1, max_pixels=10**9)) == "bytes"


def test_a_decompression_bomb_is_refused_by_its_declared_size():
    bomb = png_header_only(50_000, 50_000)  # 2.5 gigapixels in about a hundred bytes

    assert len(bomb) < 200
    assert refusal(bomb) == "pixels"


def test_a_canvas_past_pillows_own_bomb_limit_is_refused_too():
    bomb = png_header_only(1 << 17, 1 << 17)

    assert refusal(bomb, Limits(max_bytes=10**6, max_pixels=10**12)) == "pixels"


def test_animation_frames_count_toward_the_pixel_limit():
    frames = [Image.new("RGB", (100, 100), (index * 20, 0, 0)) for index in range(5)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)

    assert refusal(out.getvalue(), Limits(max_bytes=10**6, max_pixels=40_000)) == "pixels"
    kept = opened(reencode(out.getvalue(), LIMITS).data)
    assert kept.n_frames == 5


def test_an_empty_file_is_refused():
    assert refusal(b"") == "empty"


def test_the_name_is_the_sha256_of_the_stored_bytes():
    image = reencode(picture("PNG"), LIMITS)

    assert image.name == hashlib.sha256(image.data).hexdigest() + ".png"


def test_damaged_images_are_refused_or_cleaned_never_an_error():
    """Random byte flips and truncations of real files: each is refused (ImageRejected) or
    re-encoded; no decoder error or warning escapes (a warning is an error under pytest)."""
    rnd = random.Random(11)
    seeds = [picture(kind) for kind in ("JPEG", "PNG", "GIF", "WEBP")] + [jpeg_with_gps()]
    for _ in range(300):
        data = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        if rnd.random() < 0.3:
            data = data[: rnd.randrange(len(data))]
        try:
            image = reencode(bytes(data), LIMITS)
        except ImageRejected:
            continue
        assert opened(image.data).format in {"JPEG", "PNG", "GIF", "WEBP"}
