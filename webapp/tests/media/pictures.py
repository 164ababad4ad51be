"""Images made with Pillow for the tests: real files of every kind, with and without EXIF."""

import io

from PIL import Image

GPS_IFD = 0x8825
GPS_LATITUDE = 2
MAKE = 0x010F


def picture(kind: str = "PNG", size=(40, 30), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind, **save)
    return out.getvalue()


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A JPEG whose EXIF names a camera and a GPS position (51.5 N), as a phone writes them."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (51.0, 30.0, 0.0)
    exif.get_ifd(GPS_IFD)[1] = "N"
    return picture("JPEG", size, exif=exif.tobytes())


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
