"""Image optimisation on upload: Sveltia's transformation options, EXIF orientation kept, GPS removed."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from editor_app.content.image_optimizer import (
    ImageTransformations,
    optimize_image,
    optimize_svg,
    strip_jpeg_gps,
    transformations_from_config,
)
from editor_app.errors import ContentError

GPS = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}


def photo(width: int = 400, height: int = 200, orientation: int | None = 6, gps: bool = True,
          fmt: str = "JPEG") -> bytes:
    """A camera-like photo: a marker pixel row at the top, EXIF orientation and GPS."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(width // 4):
        image.putpixel((x, 0), (0, 0, 255))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), quality=95)
    return out.getvalue()


def config(transformations: dict) -> ImageTransformations:
    return transformations_from_config({"media_libraries": {"default": {"config": {
        "transformations": transformations}}}})


def test_raster_images_become_webp_fitted_in_the_box_upright_and_without_gps() -> None:
    data = photo()
    result = optimize_image("holiday.jpg", data, config({"raster_image": {"format": "webp", "quality": 80,
                                                                           "width": 100, "height": 100}}))
    assert result.name == "holiday.webp"
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "WEBP" and image.size == (50, 100)  # rotated upright (orientation 6), then fitted
    exif = image.getexif()
    assert 0x8825 not in exif and 0x0112 not in exif and exif[0x010F] == "TestCam"
    assert result.bytes_saved == len(data) - len(result.data) > 0
    assert any("GPS" in n for n in result.notices) and any("saved" in n for n in result.notices)


def test_per_format_options_win_over_raster_image_and_small_images_are_not_enlarged() -> None:
    transformations = config({"raster_image": {"format": "webp"}, "png": {"quality": 70, "width": 4000}})
    png = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 0)).save(png, "PNG")
    result = optimize_image("logo.png", png.getvalue(), transformations)
    assert result.name == "logo.png" and Image.open(io.BytesIO(result.data)).size == (30, 20)
    assert optimize_image("a.jpeg", photo(gps=False), transformations).name == "a.webp"


def test_without_transformations_a_jpeg_loses_only_its_gps_data_losslessly() -> None:
    data = photo()
    result = optimize_image("p.jpg", data, ImageTransformations())
    assert result.name == "p.jpg" and result.notices == ("Removed the GPS location from p.jpg.",)
    assert result.data[-2000:] == data[-2000:]  # the compressed image is untouched
    exif = Image.open(io.BytesIO(result.data)).getexif()
    assert exif.get_ifd(0x8825) == {} and exif[0x0112] == 6  # orientation kept as the file had it
    assert strip_jpeg_gps(photo(gps=False)) is None
    unchanged = optimize_image("q.jpg", photo(gps=False), ImageTransformations())
    assert unchanged.notices == () and unchanged.bytes_saved == 0


def test_gps_can_be_kept_when_the_site_says_so() -> None:
    data = photo()
    kept = optimize_image("p.jpg", data, ImageTransformations(strip_gps=False))
    assert kept.data == data


def test_svg_optimize_removes_comments_metadata_and_editor_attributes() -> None:
    svg = (b'<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg" '
           b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1.3">\n'
           b'  <metadata><rdf>x</rdf></metadata>\n  <rect width="10" height="10" inkscape:label="box"/>\n</svg>\n')
    result = optimize_image("icon.svg", svg, config({"svg": {"optimize": True}}))
    assert result.data == (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                           b'<rect width="10" height="10"/></svg>\n')
    assert result.bytes_saved > 0
    assert optimize_image("icon.svg", svg, ImageTransformations()).data == svg
    text_svg = b'<svg><text>  two  words </text>\n<!-- c --></svg>'
    assert optimize_svg(text_svg) == b"<svg><text>  two  words </text>\n</svg>\n"


def test_animated_gifs_and_other_files_pass_through() -> None:
    frames = [Image.new("RGB", (10, 10), (80 * i, 0, 0)) for i in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    transformations = config({"raster_image": {"format": "webp"}})
    result = optimize_image("anim.gif", gif.getvalue(), transformations)
    assert result.data == gif.getvalue() and result.name == "anim.gif"
    assert optimize_image("doc.pdf", b"%PDF", transformations).data == b"%PDF"
    broken = optimize_image("broken.jpg", b"\xff\xd8not a jpeg", transformations)
    assert broken.data == b"\xff\xd8not a jpeg" and "could not be optimised" in broken.notices[0]


@pytest.mark.parametrize(("options", "message"), [
    ({"raster_image": {"format": "bmp"}}, "raster_image.format"),
    ({"raster_image": {"quality": 150}}, "raster_image.quality"),
    ({"jpeg": {"width": -3}}, "jpeg.width"),
    ({"svg": "yes"}, ".svg must be a mapping"),
])
def test_bad_options_say_which_key_is_wrong(options: dict, message: str) -> None:
    with pytest.raises(ContentError, match=message.replace(".", r"\.")):
        config(options)


def test_sveltias_older_single_media_library_is_read_too() -> None:
    found = transformations_from_config({"media_library": {"name": "default", "config": {"transformations": {
        "raster_image": {"format": "webp"}}}}})
    assert found.for_format("png") is not None and found.for_format("png").format == "webp"
    assert transformations_from_config({}).raster == {}
