"""Uploaded images, judged by their content and re-encoded before anything keeps them.

Only what Pillow decodes as JPEG, PNG, GIF or WebP is taken, whatever the file's name or the
Content-Type the browser sent: an SVG, an HTML page or a script renamed .png is refused. Every
accepted image is decoded and encoded again, so what is stored is pixels and nothing else: no
EXIF (GPS position, camera serial), no comments, no bytes a polyglot hid after the image.
Byte and pixel limits come first, so a decompression bomb is refused before it is decoded.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

# Pillow format -> (file extension, Content-Type): the only kinds ever stored or served.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(FORMATS.values())
AVATAR_SIZE = 256
# Animated images keep at most this many frames (each counts toward the pixel limit).
MAX_FRAMES = 200
JPEG_QUALITY = 85

NOT_AN_IMAGE = "must be a JPEG, PNG, GIF or WebP image"
EMPTY = "is empty: choose an image file"


class ImageRejected(ValueError):
    """An upload that is not taken: `reason` (one of REASONS) says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def message(self, limits: "Limits") -> str:
        return rejection_message(self.reason, limits)


REASONS = ("empty", "type", "bytes", "pixels")


def rejection_message(reason: str, limits: "Limits") -> str:
    """What a person reads about a refused image (after the field's name)."""
    return {
        "empty": EMPTY,
        "type": NOT_AN_IMAGE,
        "bytes": f"is too large (maximum is {_megabytes(limits.max_bytes)})",
        "pixels": f"has too many pixels (maximum is {limits.max_pixels / 1_000_000:g} megapixels)",
    }[reason]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    extension: str
    content_type: str

    @property
    def name(self) -> str:
        """Content-addressed: the same image always has the same name, and a name never
        changes meaning, so it may be cached for ever."""
        return f"{hashlib.sha256(self.data).hexdigest()}.{self.extension}"


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.3g} MB"


def reencode(data: bytes, limits: Limits, avatar: bool = False) -> EncodedImage:
    """The image in `data`, checked and encoded again (for an avatar: cropped square and made
    at most AVATAR_SIZE pixels wide), or ImageRejected saying why not."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > limits.max_bytes:
        raise ImageRejected("bytes")
    with warnings.catch_warnings():
        # A damaged file's metadata makes Pillow warn (corrupt EXIF...): the metadata is dropped
        # anyway. Its bomb check warns (MAX_IMAGE_PIXELS) or raises (twice that): refused.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _reencode(data, limits, avatar)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("pixels") from None
        except ImageRejected:
            raise
        except Exception:  # any decoder failure on untrusted bytes is a refusal
            # Not decodable as one of FORMATS (truncated, corrupt, or another kind of file);
            # Pillow raises UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError...
            raise ImageRejected("type") from None


def _reencode(data: bytes, limits: Limits, avatar: bool) -> EncodedImage:
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
        frames = min(getattr(probe, "n_frames", 1), MAX_FRAMES)
        width, height = probe.size
        if width * height * (1 if avatar else frames) > limits.max_pixels:
            raise ImageRejected("pixels")
        probe.verify()  # structure and checksums, before any pixel is decoded
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
        kind = image.format
        if avatar:
            return _encode([_avatar(image)], kind)
        return _encode(_frames(image, frames), kind, image.info.get("duration"))


def _avatar(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(_decoded(image))
    return ImageOps.fit(upright, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)


def _frames(image: Image.Image, count: int) -> list[Image.Image]:
    if count == 1:
        return [ImageOps.exif_transpose(_decoded(image))]
    frames = []
    for index in range(count):
        image.seek(index)
        frames.append(_decoded(image))
    return frames


def _decoded(image: Image.Image) -> Image.Image:
    """The pixels alone, in a mode every format here can write; no metadata comes along."""
    image.load()
    transparent = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    converted = image.convert("RGBA" if transparent else "RGB")
    # convert() may return a copy that shares the info dict (exif, icc_profile, comments).
    converted.info = {}
    return converted


def _encode(frames: list[Image.Image], kind: str, duration=None) -> EncodedImage:
    first = frames[0]
    out = io.BytesIO()
    if kind == "JPEG":
        first.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == "PNG":
        first.save(out, "PNG")
    elif len(frames) > 1:
        extra = {"duration": duration} if duration else {}
        first.save(out, kind, save_all=True, append_images=frames[1:], loop=0, **extra)
    else:
        first.save(out, kind)
    extension, content_type = FORMATS[kind]
    return EncodedImage(out.getvalue(), extension, content_type)
