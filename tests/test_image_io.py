"""Images as people have them: EXIF-rotated phone photos, encoded bytes, alpha channels and
colour profiles that an annotated copy must keep."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from conftest import IMAGES, load_rgb
from PIL import Image, ImageCms

import palmlite
from palmlite.cli import main
from palmlite.image_io import open_image

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

ORIENTATION = 0x0112
ARTIST = 0x013B


def stored_for(upright: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels a camera stores for an ``upright`` picture under an EXIF ``orientation``
    (EXIF 2.3, tag 0x0112: how row 0 / column 0 of the stored pixels map to the visual top /
    left side), written out here from the standard rather than taken from Pillow."""
    rot_ccw = np.rot90  # rotates the first two axes counter-clockwise
    return {
        1: upright,
        2: upright[:, ::-1],                        # mirrored left-right
        3: upright[::-1, ::-1],                     # turned 180 degrees
        4: upright[::-1],                           # mirrored top-bottom
        5: upright.transpose(1, 0, 2),              # mirrored along the main diagonal
        6: rot_ccw(upright, 1),                     # viewer turns it 90 clockwise
        7: upright[::-1, ::-1].transpose(1, 0, 2),  # mirrored along the other diagonal
        8: rot_ccw(upright, -1),                    # viewer turns it 90 counter-clockwise
    }[orientation]


def png_with_orientation(upright: np.ndarray, orientation: int, path: Path) -> Path:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    Image.fromarray(np.ascontiguousarray(stored_for(upright, orientation))).save(
        path, exif=exif.tobytes())
    return path


@pytest.fixture(scope="module")
def upright() -> np.ndarray:
    return load_rgb("thumb_up_teal.jpg")  # 640 x 521: not square, so turns show in the size


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_turned_upright(upright, orientation, tmp_path,
                                                  full_landmarker):
    path = png_with_orientation(upright, orientation, tmp_path / f"o{orientation}.png")
    np.testing.assert_array_equal(np.asarray(open_image(path).convert("RGB")), upright)
    expected = full_landmarker.detect(upright)
    for source in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        result = full_landmarker.detect(source)
        assert result.image_size == (640, 521)
        assert len(result) == len(expected) == 1
        np.testing.assert_array_equal(result[0].landmarks, expected[0].landmarks)


def test_pil_images_are_taken_as_they_are(upright, tmp_path, full_landmarker):
    path = png_with_orientation(upright, 6, tmp_path / "o6.png")
    with Image.open(path) as image:
        # Documented: a PIL image is not turned (ImageOps.exif_transpose does that).
        assert full_landmarker.detect(image).image_size == (521, 640)


def test_encoded_bytes_in_every_form_give_the_file_result(full_landmarker):
    path = IMAGES / "two_thumbs_up.jpg"
    data = path.read_bytes()
    expected = full_landmarker.detect(path)
    results = [full_landmarker.detect(source) for source in
               (data, bytearray(data), memoryview(data), io.BytesIO(data), path.open("rb"))]
    results += full_landmarker.detect_batch([data, io.BytesIO(data)])
    for result in results:
        assert len(result) == len(expected) >= 1
        for a, b in zip(result, expected, strict=True):
            np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_detect_batch_refuses_a_single_bytes_object(full_landmarker):
    with pytest.raises(TypeError, match="for a single image use detect"):
        full_landmarker.detect_batch(IMAGES.joinpath("hands.jpg").read_bytes())


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_annotated_copy_keeps_format_exif_and_icc(upright, suffix, tmp_path):
    exif = Image.Exif()
    exif[ORIENTATION] = 8
    exif[ARTIST] = "a photographer"
    icc = _srgb_profile()
    source = tmp_path / "in" / f"photo{suffix}"
    source.parent.mkdir()
    Image.fromarray(np.ascontiguousarray(stored_for(upright, 8))).save(
        source, exif=exif.tobytes(), icc_profile=icc, **({"lossless": True}
                                                         if suffix == ".webp" else {}))
    assert main(["detect", str(source), "--annotate", str(tmp_path / "out"), "-q",
                 "--model", "lite"]) == 0
    with Image.open(tmp_path / "out" / source.name) as drawn:
        assert drawn.format == Image.open(source).format
        assert drawn.size == (640, 521)  # upright, like the records
        assert drawn.info.get("icc_profile") == icc
        kept = drawn.getexif()
        assert kept[ARTIST] == "a photographer"
        assert kept.get(ORIENTATION, 1) == 1  # the pixels are upright now


def test_annotated_copy_keeps_alpha(tmp_path):
    rgba = np.asarray(Image.open(IMAGES / "thumbs_up_rgba.png"))
    assert rgba.shape[2] == 4 and rgba[..., 3].min() < 255
    result = palmlite.HandLandmarker(model="lite").detect(IMAGES / "thumbs_up_rgba.png")
    source = tmp_path / "in.png"
    Image.fromarray(rgba).save(source)
    assert main(["detect", str(source), "--annotate", str(tmp_path / "out"), "-q",
                 "--model", "lite"]) == 0
    drawn = np.asarray(Image.open(tmp_path / "out" / "in.png"))
    assert drawn.shape == rgba.shape
    np.testing.assert_array_equal(drawn[..., 3], rgba[..., 3])
    assert len(result) == 1 and (drawn[..., :3] != rgba[..., :3]).any()
