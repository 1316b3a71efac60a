"""Image optimisation on upload, Qt-free (Pillow): Sveltia CMS's transformations, EXIF orientation, GPS removal.

The options are Sveltia's, so one config works in both editors:

```yaml
media_libraries:
  default:
    config:
      transformations:
        raster_image: {format: webp, quality: 85, width: 2048, height: 2048}  # every raster format
        jpeg: {quality: 80}                                  # or per source format: avif gif jpeg png webp
        svg: {optimize: true}
```

`width`/`height` are maximums: the image is scaled down to fit, keeping its proportions, never up. A
transformed image is turned upright from its EXIF orientation first, so it looks as the camera meant.
GPS coordinates are removed by default (losslessly for JPEG, whether or not the site transforms images);
each change is reported in a notice, with the bytes saved.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from editor_app.errors import ContentError

RASTER_FORMATS = ("avif", "gif", "jpeg", "png", "webp")
_PIL_FORMATS = {"avif": "AVIF", "gif": "GIF", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_SUFFIXES = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".gif": "gif", ".webp": "webp", ".avif": "avif"}
_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp", "avif": ".avif"}
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
DEFAULT_QUALITY = 85


@dataclass(frozen=True)
class RasterOptions:
    """What to do with one raster format: convert (`format`), re-encode at `quality`, fit in width × height."""

    format: str | None = None
    quality: int = DEFAULT_QUALITY
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ImageTransformations:
    """A site's transformations: per source format (`raster_image` as the default), SVG, and GPS removal."""

    raster: Mapping[str, RasterOptions] = field(default_factory=dict)
    svg_optimize: bool = False
    strip_gps: bool = True

    def for_format(self, source_format: str) -> RasterOptions | None:
        """The options that apply to images in `source_format`, or None."""
        return self.raster.get(source_format) or self.raster.get("raster_image")


@dataclass(frozen=True)
class OptimizedImage:
    """The file to upload: its (possibly new) name and bytes, the original size and what was done."""

    name: str
    data: bytes
    original_size: int
    notices: tuple[str, ...] = ()

    @property
    def bytes_saved(self) -> int:
        """Original size minus new size (negative when the file grew)."""
        return self.original_size - len(self.data)


def transformations_from_config(raw: Mapping[str, Any], source: str = "config.yml") -> ImageTransformations:
    """Read `media_libraries.default.config.transformations` (or Sveltia's older `media_library` with
    `name: default`) from the config's top-level mapping; without them only GPS removal applies."""
    section: Any = None
    libraries = raw.get("media_libraries")
    if isinstance(libraries, Mapping) and isinstance(libraries.get("default"), Mapping):
        section = (libraries["default"].get("config") or {}).get("transformations")
    single = raw.get("media_library")
    if section is None and isinstance(single, Mapping) and single.get("name", "default") == "default":
        section = (single.get("config") or {}).get("transformations")
    if section is None:
        return ImageTransformations()
    where = f"{source}: media_libraries.default.config.transformations"
    if not isinstance(section, Mapping):
        raise ContentError(f"{where} must be a mapping")
    raster: dict[str, RasterOptions] = {}
    for key in ("raster_image", *RASTER_FORMATS):
        if key in section:
            raster[key] = _raster_options(section[key], f"{where}.{key}")
    svg = section.get("svg") or {}
    if not isinstance(svg, Mapping):
        raise ContentError(f"{where}.svg must be a mapping")
    return ImageTransformations(raster=raster, svg_optimize=bool(svg.get("optimize", False)))


def _raster_options(value: Any, where: str) -> RasterOptions:
    if not isinstance(value, Mapping):
        raise ContentError(f"{where} must be a mapping")
    fmt = value.get("format")
    if fmt is not None and fmt not in ("webp", *RASTER_FORMATS):
        raise ContentError(f"{where}.format: '{fmt}' is not one of webp, {', '.join(RASTER_FORMATS)}")
    quality = value.get("quality", DEFAULT_QUALITY)
    if not isinstance(quality, int) or isinstance(quality, bool) or not 0 <= quality <= 100:
        raise ContentError(f"{where}.quality must be a whole number from 0 to 100, not {quality!r}")
    sizes = []
    for key in ("width", "height"):
        size = value.get(key)
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size <= 0):
            raise ContentError(f"{where}.{key} must be a positive whole number of pixels, not {size!r}")
        sizes.append(size)
    return RasterOptions(format=fmt, quality=quality, width=sizes[0], height=sizes[1])


def optimize_image(name: str, data: bytes, transformations: ImageTransformations) -> OptimizedImage:
    """The file to upload for `name`: transformed as the site asks, with GPS data removed by default."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix == ".svg":
        if not transformations.svg_optimize:
            return OptimizedImage(name, data, len(data))
        smaller = optimize_svg(data)
        return OptimizedImage(name, smaller, len(data), (_saved_notice(name, len(data), len(smaller)),))
    source_format = _SUFFIXES.get(suffix)
    if source_format is None:
        return OptimizedImage(name, data, len(data))
    options = transformations.for_format(source_format)
    if options is not None:
        try:
            return _transform(name, data, source_format, options, transformations.strip_gps)
        except (UnidentifiedImageError, OSError, ValueError, struct.error) as exc:
            return OptimizedImage(name, data, len(data), (f"{name} was uploaded as it is: it could not be "
                                                          f"optimised ({exc}).",))
    if transformations.strip_gps and source_format == "jpeg":
        stripped = strip_jpeg_gps(data)
        if stripped is not None:
            return OptimizedImage(name, stripped, len(data), (f"Removed the GPS location from {name}.",))
    return OptimizedImage(name, data, len(data))


def _transform(name: str, data: bytes, source_format: str, options: RasterOptions,
               strip_gps: bool) -> OptimizedImage:
    notices = []
    with Image.open(io.BytesIO(data)) as opened:
        if getattr(opened, "n_frames", 1) > 1:
            return OptimizedImage(name, data, len(data), (f"{name} is animated: uploaded as it is.",))
        exif = opened.getexif()
        image = ImageOps.exif_transpose(opened)  # upright pixels; the orientation tag goes
        if strip_gps and _GPS_IFD in exif:
            del exif[_GPS_IFD]
            notices.append(f"Removed the GPS location from {name}.")
        if _ORIENTATION in exif:
            del exif[_ORIENTATION]
        if options.width or options.height:
            box = (options.width or image.width, options.height or image.height)
            if image.width > box[0] or image.height > box[1]:
                before = image.size
                image = image.copy()
                image.thumbnail(box, Image.Resampling.LANCZOS)
                notices.append(f"Scaled {name} from {before[0]}×{before[1]} to {image.width}×{image.height}.")
        target = options.format or source_format
        if target == "jpeg" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        save: dict[str, Any] = {"exif": exif.tobytes()} if len(exif) else {}
        if target in ("jpeg", "webp", "avif"):
            save["quality"] = options.quality
        if target == "png":
            save["optimize"] = True
        image.save(out, _PIL_FORMATS[target], **save)
    new_name = name.rsplit(".", 1)[0] + _EXTENSIONS[target] if target != source_format else name
    result = out.getvalue()
    notices.append(_saved_notice(new_name, len(data), len(result)))
    return OptimizedImage(new_name, result, len(data), tuple(notices))


def _saved_notice(name: str, before: int, after: int) -> str:
    if after < before:
        return f"Optimised {name}: {_size(before)} → {_size(after)}, {_size(before - after)} saved."
    return f"Optimised {name}: {_size(before)} → {_size(after)}."


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.2f} MB"


def strip_jpeg_gps(data: bytes) -> bytes | None:
    """The JPEG without the GPS part of its EXIF, the image data untouched; None when it has no GPS data."""
    if not data.startswith(b"\xff\xd8"):
        return None
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no EXIF before the image data
            return None
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        segment = data[position + 4:position + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            exif = Image.Exif()
            exif.load(segment[6:])
            if _GPS_IFD not in exif:
                return None
            del exif[_GPS_IFD]
            payload = b"Exif\x00\x00" + exif.tobytes()
            return data[:position] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + \
                data[position + 2 + length:]
        position += 2 + length
    return None


_SVG_DROP = re.compile(
    r"<!--.*?-->"
    r"|<metadata\b.*?</metadata>"
    r"|<sodipodi:namedview\b[^>]*?/>|<sodipodi:namedview\b.*?</sodipodi:namedview>",
    re.DOTALL,
)
_SVG_EDITOR_ATTRIBUTES = re.compile(r"\s+(?:inkscape|sodipodi):[\w.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*')")
_SVG_EDITOR_NAMESPACES = re.compile(r"\s+xmlns:(?:inkscape|sodipodi)\s*=\s*(?:\"[^\"]*\"|'[^']*')")


def optimize_svg(data: bytes) -> bytes:
    """A smaller SVG that draws the same: no comments, metadata, editor-only elements and attributes, or
    blank space between tags (kept where text is laid out: `<text>`, `xml:space`)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    text = _SVG_DROP.sub("", text)
    text = _SVG_EDITOR_ATTRIBUTES.sub("", text)
    text = _SVG_EDITOR_NAMESPACES.sub("", text)
    if "<text" not in text and "xml:space" not in text:
        text = re.sub(r">\s+<", "><", text)
    text = text.strip() + "\n"
    encoded = text.encode("utf-8")
    return encoded if len(encoded) < len(data) else data
