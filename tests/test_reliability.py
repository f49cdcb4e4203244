"""Reliability: every public entry point against malformed input, model outputs that are not
finite, and the safety properties (JSON-only state, sha256-checked weights, no network).

``test_bad_input`` is one table. Each row is an entry point, an input and what must happen:
``Raises`` (exception type and a message regex: the message names what was expected and what
came), ``Ok`` (a normal result: every number finite and in range, shapes right; optionally
bit-identical to the result for an equivalent contiguous input, and with bounded memory) or
``Exits`` (the CLI's exit status and a stderr regex). What each class of input gets:

=================================  ===========================================================
input                              outcome
=================================  ===========================================================
wrong dtype (bool, int16, uint16,  ValueError "expected dtype uint8, got ..." with a
float, object, str)                conversion hint; float images are refused, NaN/inf or not
wrong rank / channels              ValueError "expected an (H, W, 3) RGB image, got shape ..."
                                   (hints for RGBA and grayscale)
0 x N, N x 0                       ValueError "image is empty"
not an image (None, list, bytes)   TypeError naming the accepted types and the type that came
legacy Hands.process               MediaPipe's refusals: TypeError for anything but a NumPy
                                   array or for a dtype that does not cast safely to uint8
                                   (bool is taken as 0/1 pixels), ValueError "Input image must
                                   contain three channel rgb data" (LEGACY_IMAGE_EXPECTED)
1 x 1, 1 x 10000, 10000 x 1        a normal result (no hands)
8000 x 8000 (zero-stride view)     a normal result; traced memory stays under 64 MiB
strided, transposed, flipped,      a normal result, bit-identical to the same pixels in a
read-only, Fortran, RGBA view      contiguous array
PIL image in another mode          converted to RGB, a normal result
unreadable file (truncated JPEG/   ValueError "cannot read image PATH: ..."; the CLI reports
PNG, text named .jpg)              it on stderr, skips it and exits 1
directory, missing, empty path     FileNotFoundError saying which; CLI: stderr, exit 1
Roi with NaN/inf, size <= 0        ValueError from ``Roi(...)``
Roi field not a real number        TypeError from ``Roi(...)`` (bool included)
Roi far outside / huge             a normal hand with low presence, all values finite
Roi float32 cannot crop (centre    ValueError "cannot be cropped from a WxH image: ..." from
1e8 images away, size 1e-8 px,     landmarks_in_roi(s); detect and track never produce one
aspect 1e8, value > float32 max)
not a Roi / not a sequence of Roi  TypeError
timestamps equal, decreasing,      ValueError "timestamps must increase" / "must be finite"
NaN, inf, subnormal step
timestamp bool, str                TypeError; NumPy integers and floats are accepted
bad options (0, True, 2.5, "2",    ValueError for a wrong value, TypeError for a wrong type,
NaN, > 1, "no" for a flag)         naming the option; the CLI exits 2 with argparse's usage
corrupt / truncated / garbage      WeightsCorruptedError (sha256 against the MANIFEST);
weights; missing weight file       WeightsNotFoundError (a FileNotFoundError) naming the path
bad tracker state dict             ValueError "invalid tracker state: ..."
=================================  ===========================================================

The models cannot produce NaN from real pixels, but ``test_non_finite_model_outputs_*`` force
it: a landmark row with any non-finite value comes back with presence 0 (so every presence
gate drops it) and finite placeholders; a palm with any non-finite value or an empty box is
dropped after decoding.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import socket
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import DATA, IMAGES, load_rgb
from PIL import Image

import palmlite
from palmlite import Hand, HandsResult, PalmDetection, Roi
from palmlite.cli import main as cli_main
from palmlite.solutions import hands as legacy
from palmlite.solutions.hands import SolutionOutputs

PACKAGE = Path(palmlite.__file__).resolve().parent  # the source tree's or the installed one
REPO_WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
_HANDS_PIXELS = load_rgb("hands.jpg")  # 720 x 382, two hands
_CENTRE_ROI = Roi(0.5, 0.5, 0.5, 0.5)

# -- expected outcomes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Raises:
    error: type[BaseException]
    match: str


@dataclass(frozen=True)
class Ok:
    """A normal result. ``same_as`` builds an equivalent input whose result must be identical;
    ``max_mib`` bounds the peak traced allocation of the call; ``check`` adds a test."""

    same_as: Callable[[Any], Any] | None = None
    max_mib: float | None = None
    check: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class Exits:
    """The CLI's exit status (``SystemExit`` codes included) and a regex on its stderr."""

    status: int
    stderr: str


Expected = Raises | Ok | Exits


@dataclass
class Ctx:
    """What entry points need: one lite landmarker, legacy ``Hands`` objects, tmp_path."""

    landmarker: palmlite.HandLandmarker
    static_hands: legacy.Hands
    video_hands: legacy.Hands
    tmp_path: Path
    capsys: pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def lite() -> palmlite.HandLandmarker:
    return palmlite.HandLandmarker(model="lite", num_threads=1)


@pytest.fixture(scope="module")
def legacy_hands() -> Iterator[tuple[legacy.Hands, legacy.Hands]]:
    with legacy.Hands(static_image_mode=True, model_complexity=0) as still, \
            legacy.Hands(static_image_mode=False, model_complexity=0) as video:
        yield still, video


@pytest.fixture
def ctx(lite: palmlite.HandLandmarker, legacy_hands: tuple[legacy.Hands, legacy.Hands],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Ctx:
    legacy_hands[1].reset()
    return Ctx(lite, legacy_hands[0], legacy_hands[1], tmp_path, capsys)


# -- entry points ------------------------------------------------------------------------------


def _cli(ctx: Ctx, arguments: list[str]) -> tuple[int, str]:
    out = ctx.tmp_path / "records" / "out.jsonl"  # not a direct child of an input folder
    ctx.capsys.readouterr()
    try:
        status = cli_main([*arguments, "-q", "-o", str(out), "--model", "lite", "--threads", "1"])
    except SystemExit as exc:  # argparse refusing an option
        status = int(exc.code or 0)
    err = ctx.capsys.readouterr().err
    if status == 0:
        for line in out.read_text().splitlines():  # records are finite and well-formed
            record = json.loads(line)
            for hand in record["hands"]:
                assert np.isfinite(np.asarray(hand["landmarks"], float)).all()
    return status, err


#: Image entry points: each takes one image-like value.
IMAGE_ENTRIES: dict[str, Callable[[Ctx, Any], Any]] = {
    "detect": lambda c, v: c.landmarker.detect(v),
    "detect_batch": lambda c, v: c.landmarker.detect_batch([v]),
    "detect_palms": lambda c, v: c.landmarker.detect_palms(v),
    "landmarks_in_roi": lambda c, v: c.landmarker.landmarks_in_roi(v, _CENTRE_ROI),
    "landmarks_in_rois": lambda c, v: c.landmarker.landmarks_in_rois(v, [_CENTRE_ROI] * 2),
    "track": lambda c, v: palmlite.HandTracker(c.landmarker).track(v, timestamp_ms=0),
    "Hands.process(static)": lambda c, v: c.static_hands.process(v),
    "Hands.process(video)": lambda c, v: c.video_hands.process(v),
    "draw": lambda c, v: palmlite.draw(v, ()),
}


@dataclass(frozen=True)
class ImageClass:
    """One class of image input, run through every image entry point (and the CLI when it is
    a file: ``cli`` is then what the CLI must do)."""

    name: str
    make: Callable[[Path], Any]
    expected: Expected
    cli: Exits | None = None
    skip: frozenset[str] = field(default_factory=frozenset)


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path
    return make


def _huge(_: Path) -> np.ndarray:
    # 8000 x 8000 RGB without storage: a copy or full conversion would allocate 192 MB.
    return np.broadcast_to(np.array([90, 120, 150], np.uint8), (8000, 8000, 3))


def _flags(array: np.ndarray, writeable: bool) -> np.ndarray:
    array.flags.writeable = writeable
    return array


def _rgba_view(_: Path) -> np.ndarray:
    buffer = np.zeros((*_HANDS_PIXELS.shape[:2], 4), np.uint8)
    buffer[..., :3] = _HANDS_PIXELS
    return buffer[..., :3]


_CONTIGUOUS = Ok(same_as=lambda v: np.ascontiguousarray(v).copy())
_JPEG = (IMAGES / "hands.jpg").read_bytes()
_PNG = (IMAGES / "webcam_side_hand.png").read_bytes()
_MP4 = (DATA / "videos" / "asl_hand_40.mp4").read_bytes()
_NOT_AN_IMAGE = (r"numpy array, a PIL.Image, a path, encoded image bytes or a binary file object, "
                 r"got {}")

IMAGE_CLASSES = [
    ImageClass("bool", lambda _: np.ones((8, 8, 3), bool),
               Raises(ValueError, r"expected dtype uint8, got bool \(a mask\?")),
    ImageClass("int16", lambda _: np.zeros((8, 8, 3), np.int16),
               Raises(ValueError, r"expected dtype uint8, got int16 \(scale")),
    ImageClass("uint16", lambda _: np.zeros((8, 8, 3), np.uint16),
               Raises(ValueError, r"expected dtype uint8, got uint16")),
    ImageClass("float32_0_1", lambda _: np.full((8, 8, 3), 0.5, np.float32),
               Raises(ValueError, r"got float32 \(float images are refused: convert with")),
    ImageClass("float64_nan", lambda _: np.full((8, 8, 3), np.nan),
               Raises(ValueError, r"got float64 \(float images are refused")),
    ImageClass("float32_inf", lambda _: np.full((8, 8, 3), np.inf, np.float32),
               Raises(ValueError, r"float images are refused")),
    ImageClass("object", lambda _: np.zeros((8, 8, 3), object),
               Raises(ValueError, r"expected dtype uint8, got object")),
    ImageClass("str_dtype", lambda _: np.full((8, 8, 3), "a"),
               Raises(ValueError, r"expected dtype uint8, got <U1")),
    ImageClass("4_channels", lambda _: np.zeros((8, 8, 4), np.uint8),
               Raises(ValueError, r"\(H, W, 3\) RGB image, got shape \(8, 8, 4\) \(RGBA\?")),
    ImageClass("1_channel_3d", lambda _: np.zeros((8, 8, 1), np.uint8),
               Raises(ValueError, r"\(H, W, 3\) RGB image, got shape \(8, 8, 1\)")),
    ImageClass("0_channels", lambda _: np.zeros((8, 8, 0), np.uint8),
               Raises(ValueError, r"got shape \(8, 8, 0\)")),
    ImageClass("2d_gray", lambda _: np.zeros((8, 8), np.uint8),
               Raises(ValueError, r"got shape \(8, 8\) \(grayscale\?")),
    ImageClass("4d", lambda _: np.zeros((1, 8, 8, 3), np.uint8),
               Raises(ValueError, r"got shape \(1, 8, 8, 3\)")),
    ImageClass("0d_array", lambda _: np.array(7, np.uint8),
               Raises(ValueError, r"got shape \(\)")),
    ImageClass("0xN", lambda _: np.zeros((0, 8, 3), np.uint8),
               Raises(ValueError, r"image is empty: shape \(0, 8, 3\)")),
    ImageClass("Nx0", lambda _: np.zeros((8, 0, 3), np.uint8),
               Raises(ValueError, r"image is empty: shape \(8, 0, 3\)")),
    ImageClass("pil_0x0", lambda _: Image.new("RGB", (0, 0)),
               Raises(ValueError, r"image is empty")),
    ImageClass("None", lambda _: None, Raises(TypeError, _NOT_AN_IMAGE.format("NoneType"))),
    ImageClass("nested_list", lambda _: [[[0, 0, 0]]],
               Raises(TypeError, _NOT_AN_IMAGE.format("list"))),
    # Encoded images (what engines and web servers hand over) are decoded like files.
    ImageClass("jpeg_bytes", lambda _: _JPEG, Ok()),
    ImageClass("jpeg_bytearray", lambda _: bytearray(_JPEG), Ok()),
    ImageClass("png_memoryview", lambda _: memoryview(_PNG), Ok()),
    ImageClass("jpeg_file_object", lambda _: io.BytesIO(_JPEG), Ok()),
    ImageClass("truncated_bytes", lambda _: _JPEG[:3000],
               Raises(ValueError, r"cannot read image from 3000 bytes: image file is truncated")),
    ImageClass("empty_bytes", lambda _: b"", Raises(ValueError, r"cannot read an image from 0 b")),
    ImageClass("video_bytes", lambda _: _MP4,
               Raises(ValueError, r"it is a video; use palmlite.read_video")),
    ImageClass("video_named_jpg", _write("clip.jpg", _MP4),
               Raises(ValueError, r"cannot read image .*clip\.jpg: it is a video"),
               cli=Exits(1, r"clip\.jpg: it is a video; .*palmlite track")),
    ImageClass("1x1", lambda _: np.zeros((1, 1, 3), np.uint8), Ok()),
    ImageClass("1x10000", lambda _: np.full((1, 10000, 3), 200, np.uint8), Ok()),
    ImageClass("10000x1", lambda _: np.full((10000, 1, 3), 200, np.uint8), Ok()),
    # draw returns a full-size copy by design, so its memory grows with the image: not run.
    ImageClass("8000x8000_broadcast", _huge, Ok(max_mib=64), skip=frozenset({"draw"})),
    ImageClass("strided_slice", lambda _: np.repeat(np.repeat(_HANDS_PIXELS, 2, 0), 2, 1)[::2, ::2],
               _CONTIGUOUS),
    ImageClass("transposed", lambda _: _HANDS_PIXELS.transpose(1, 0, 2), _CONTIGUOUS),
    ImageClass("negative_strides", lambda _: _HANDS_PIXELS[::-1, ::-1], _CONTIGUOUS),
    ImageClass("read_only", lambda _: _flags(_HANDS_PIXELS.copy(), False), _CONTIGUOUS),
    ImageClass("fortran_order", lambda _: np.asfortranarray(_HANDS_PIXELS), _CONTIGUOUS),
    ImageClass("rgba_buffer_view", _rgba_view, _CONTIGUOUS),
    ImageClass("pil_I16", lambda _: Image.fromarray(np.full((20, 30), 300, np.uint16)), Ok()),
    ImageClass("jpeg_file", _write("ok.jpg", _JPEG), Ok(), cli=Exits(0, r"^$")),
    ImageClass("truncated_jpeg", _write("cut.jpg", _JPEG[:3000]),
               Raises(ValueError, r"cannot read image .*cut\.jpg: image file is truncated"),
               cli=Exits(1, r"palmlite: cannot read image .*cut\.jpg")),
    ImageClass("truncated_png", _write("cut.png", _PNG[:3000]),
               Raises(ValueError, r"cannot read image .*cut\.png"),
               cli=Exits(1, r"palmlite: cannot read image .*cut\.png")),
    ImageClass("text_named_jpg", _write("text.jpg", b"just some text\n"),
               Raises(ValueError, r"cannot read image .*text\.jpg: cannot identify"),
               cli=Exits(1, r"cannot read image .*text\.jpg")),
    ImageClass("empty_file", _write("empty.png", b""),
               Raises(ValueError, r"cannot read image .*empty\.png"),
               cli=Exits(1, r"cannot read image .*empty\.png")),
    ImageClass("directory", lambda tmp: tmp,
               Raises(FileNotFoundError, r"image path is a directory, not a file: "),
               cli=Exits(1, r"palmlite: no image files in ")),
    ImageClass("missing_path", lambda tmp: tmp / "nope.jpg",
               Raises(FileNotFoundError, r"image file not found: .*nope\.jpg"),
               cli=Exits(1, r"nope\.jpg: no such file or directory")),
    ImageClass("missing_str_path", lambda tmp: str(tmp / "nope.png"),
               Raises(FileNotFoundError, r"image file not found: .*nope\.png")),
    ImageClass("empty_str_path", lambda _: "", Raises(FileNotFoundError, r"image path is empty")),
]

#: The legacy ``Hands.process`` refuses what MediaPipe's refuses: anything but a NumPy array
#: (TypeError; MediaPipe fails with AttributeError on ``.shape``), a dtype that does not cast
#: safely to uint8 (TypeError, MediaPipe's message; bool casts, so it is accepted), a third
#: dimension other than 3 (ValueError, MediaPipe's message first). Other classes: as above.
_NOT_AN_ARRAY = r"^Hands.process takes an \(H, W, 3\) uint8 RGB numpy array, .* got {}"
_CANNOT_CAST = r"^Cannot cast array data from dtype\('{}'\) to dtype\('uint8'\) according to"
_NOT_RGB = r"^Input image must contain three channel rgb data: .*got shape \({}"
LEGACY_IMAGE_EXPECTED: dict[str, Expected] = {
    "bool": Ok(),
    **{name: Raises(TypeError, _CANNOT_CAST.format(dtype)) for name, dtype in [
        ("int16", "int16"), ("uint16", "uint16"), ("float32_0_1", "float32"),
        ("float64_nan", "float64"), ("float32_inf", "float32"), ("object", "O"),
        ("str_dtype", "<U1")]},
    "float32_0_1": Raises(TypeError, _CANNOT_CAST.format("float32") + r".*\(float images are"),
    **{name: Raises(ValueError, _NOT_RGB.format(shape)) for name, shape in [
        ("4_channels", r"8, 8, 4\) \(RGBA\?"), ("1_channel_3d", r"8, 8, 1\)"),
        ("0_channels", r"8, 8, 0\)"), ("2d_gray", r"8, 8\) \(grayscale\?"),
        ("4d", r"1, 8, 8, 3\)"), ("0d_array", r"\)")]},
    **{name: Raises(TypeError, _NOT_AN_ARRAY.format(kind)) for name, kind in [
        ("pil_0x0", "Image"), ("None", "NoneType"), ("nested_list", "list"),
        ("jpeg_bytes", "bytes"), ("jpeg_bytearray", "bytearray"),
        ("png_memoryview", "memoryview"), ("jpeg_file_object", "BytesIO"),
        ("truncated_bytes", "bytes"), ("empty_bytes", "bytes"), ("video_bytes", "bytes"),
        ("video_named_jpg", r"\w*Path"), ("pil_I16", "Image"), ("jpeg_file", r"\w*Path"),
        ("truncated_jpeg", r"\w*Path"), ("truncated_png", r"\w*Path"),
        ("text_named_jpg", r"\w*Path"), ("empty_file", r"\w*Path"),
        ("directory", r"\w*Path"), ("missing_path", r"\w*Path"),
        ("missing_str_path", "str"), ("empty_str_path", "str")]},
}


# -- other rows: ROIs, timestamps, options, weights, batches, state, draw ------------------------


@dataclass(frozen=True)
class Row:
    entry: str
    name: str
    run: Callable[[Ctx], Any]
    expected: Expected


def _roi_rows() -> list[Row]:
    """Each Roi value through landmarks_in_roi and landmarks_in_rois (a ``tuple`` is the
    constructor's arguments: the row checks what ``Roi(*values)`` does first)."""
    cases: list[tuple[str, Any, Expected]] = [
        ("nan_centre", (math.nan, 0.5, 0.2, 0.2), Raises(ValueError, r"Roi values must be finite")),
        ("inf_size", (0.5, 0.5, math.inf, 0.2), Raises(ValueError, r"must be finite")),
        ("negative_size", (0.5, 0.5, -0.2, 0.2), Raises(ValueError, r"must be positive")),
        ("zero_size", (0.5, 0.5, 0.2, 0.0), Raises(ValueError, r"must be positive")),
        ("bool_field", (True, 0.5, 0.2, 0.2), Raises(TypeError, r"Roi.x_center must be a real")),
        ("str_field", (0.5, "0.5", 0.2, 0.2), Raises(TypeError, r"Roi.y_center must be a real")),
        ("none_field", (0.5, 0.5, None, 0.2), Raises(TypeError, r"Roi.width must be a real")),
        ("array_field", (0.5, 0.5, 0.2, np.ones(2)), Raises(TypeError, r"Roi.height")),
        ("numpy_scalars", (np.float32(0.5), np.float64(0.5), np.float32(0.3), np.int64(1)),
         Ok(check=_json_roi)),
        ("huge_size_1000x", Roi(0.5, 0.5, 1000.0, 1000.0), Ok()),
        ("far_outside", Roi(50.0, -40.0, 0.2, 0.2, 2.0), Ok(check=_low_presence)),
        ("any_rotation", Roi(0.5, 0.5, 0.3, 0.3, 1234.5), Ok()),
        ("centre_1e8_away", Roi(1e8, 0.5, 0.1, 0.1),
         Raises(ValueError, r"cannot be cropped from a 48x32 image: .*too small for float32")),
        ("size_1e-9", Roi(0.5, 0.5, 1e-9, 1e-9), Raises(ValueError, r"too small for float32")),
        ("aspect_1e8", Roi(0.5, 0.5, 0.01, 1e6),
         Raises(ValueError, r"too far from square")),  # was: NaN landmarks
        ("size_beyond_float32", Roi(0.5, 0.5, 1e39, 1e39),
         Raises(ValueError, r"beyond float32's range")),
        ("rotation_1e300", Roi(0.5, 0.5, 0.1, 0.1, 1e300),
         Raises(ValueError, r"beyond float32's range")),  # was: "math domain error"
        ("tuple_not_roi", [(0.5, 0.5, 0.2, 0.2, 0.0)],
         Raises(TypeError, r"palmlite.Roi, got tuple")),
    ]
    image = np.full((32, 48, 3), 100, np.uint8)
    rows = []
    for name, value, expected in cases:
        for entry in ("landmarks_in_roi", "landmarks_in_rois"):
            def run(c: Ctx, value: Any = value, entry: str = entry) -> Any:
                if isinstance(value, list):  # a non-Roi object itself
                    roi = value[0]
                else:
                    roi = Roi(*value) if isinstance(value, tuple) else value
                if entry == "landmarks_in_roi":
                    return c.landmarker.landmarks_in_roi(image, roi)
                return c.landmarker.landmarks_in_rois(image, [_CENTRE_ROI, roi])
            rows.append(Row(entry, f"roi_{name}", run, expected))
    rows += [
        Row("landmarks_in_rois", "single_roi_not_a_list",
            lambda c: c.landmarker.landmarks_in_rois(image, _CENTRE_ROI),
            Raises(TypeError, r"rois must be a sequence of palmlite.Roi .*got Roi")),
        Row("landmarks_in_rois", "rois_none", lambda c: c.landmarker.landmarks_in_rois(image, None),
            Raises(TypeError, r"rois must be a sequence .*got NoneType")),
        Row("landmarks_in_rois", "rois_empty",
            lambda c: c.landmarker.landmarks_in_rois(image, []), Ok(check=_equals([]))),
        Row("landmarks_in_rois", "rois_generator",
            lambda c: c.landmarker.landmarks_in_rois(image, (r for r in [_CENTRE_ROI])), Ok()),
        Row("Roi.from_pixels", "zero_image_size",
            lambda c: Roi.from_pixels((1, 1), 2, 0.0, (0, 10)),
            Raises(ValueError, r"image_size must be a positive")),
    ]
    return rows


def _json_roi(hands: Any) -> None:
    hand = hands if isinstance(hands, Hand) else hands[-1]
    assert all(type(v) is float for v in hand.roi.as_array().tolist())
    json.dumps(vars(hand.roi))  # NumPy scalars became floats: the ROI serializes


def _low_presence(hands: Any) -> None:
    hand = hands if isinstance(hands, Hand) else hands[-1]
    assert hand.presence < 0.5


def _equals(expected: Any) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert result == expected
    return check


def _track_steps(*stamps: Any) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        tracker = palmlite.HandTracker(c.landmarker)
        frame = np.zeros((16, 16, 3), np.uint8)
        return [tracker.track(frame, timestamp_ms=t) for t in stamps]
    return run


def _timestamp_rows() -> list[Row]:
    must_increase = Raises(ValueError, r"timestamps must increase: got .* ms after .* ms")
    cases: list[tuple[str, tuple[Any, ...], Expected]] = [
        ("equal", (10, 10), must_increase),
        ("decreasing", (10, 5), must_increase),
        ("subnormal_step", (0.0, 1e-310), must_increase),  # was: inf frequency, NaN smoothing
        ("nan", (0, math.nan), Raises(ValueError, r"timestamp_ms must be finite, got nan")),
        ("inf", (math.inf,), Raises(ValueError, r"must be finite, got inf")),
        ("bool", (True,), Raises(TypeError, r"timestamp_ms must be a number or None, got True")),
        ("str", ("40",), Raises(TypeError, r"must be a number or None, got '40'")),
        ("numpy_int_and_float", (np.int64(3), np.float32(4.5)), Ok()),  # np.int64 was refused
        ("none_after_given", (5.0, None, None), Ok()),
        ("negative_first", (-1e6, 0), Ok()),
        ("huge", (1e300, 2e300), Ok()),
    ]
    return [Row("track", f"timestamp_{name}", _track_steps(*stamps), expected)
            for name, stamps, expected in cases]


def _option_rows() -> list[Row]:
    def landmarker(**kw: Any) -> Callable[[Ctx], Any]:
        return lambda c: palmlite.HandLandmarker(**{"num_threads": 1, **kw})

    def tracker(**kw: Any) -> Callable[[Ctx], Any]:
        return lambda c: palmlite.HandTracker(c.landmarker, **kw)

    def hands(**kw: Any) -> Callable[[Ctx], Any]:
        return lambda c: legacy.Hands(**kw)

    def cli(*arguments: str) -> Callable[[Ctx], Any]:
        return lambda c: _cli(c, ["detect", str(IMAGES / "hand_crop_224.jpg"), *arguments])

    rows = [
        Row("HandLandmarker()", "max_hands_0", landmarker(max_hands=0),
            Raises(ValueError, r"max_hands must be >= 1, got 0")),
        Row("HandLandmarker()", "max_hands_True", landmarker(max_hands=True),
            Raises(TypeError, r"max_hands must be a positive int, got True")),
        Row("HandLandmarker()", "max_hands_2.5", landmarker(max_hands=2.5),
            Raises(TypeError, r"max_hands must be a positive int, got 2.5")),
        Row("HandLandmarker()", "max_hands_str", landmarker(max_hands="2"),
            Raises(TypeError, r"max_hands must be a positive int, got '2'")),
        Row("HandLandmarker()", "max_hands_numpy", landmarker(max_hands=np.int64(1)), Ok()),
        Row("HandLandmarker()", "detection_conf_nan",
            landmarker(min_detection_confidence=math.nan),
            Raises(ValueError, r"min_detection_confidence must be in \[0, 1\], got nan")),
        Row("HandLandmarker()", "detection_conf_1.5", landmarker(min_detection_confidence=1.5),
            Raises(ValueError, r"min_detection_confidence must be in \[0, 1\], got 1.5")),
        Row("HandLandmarker()", "presence_conf_negative",
            landmarker(min_presence_confidence=-0.1),
            Raises(ValueError, r"min_presence_confidence must be in \[0, 1\]")),
        Row("HandLandmarker()", "presence_conf_str", landmarker(min_presence_confidence="0.5"),
            Raises(TypeError, r"min_presence_confidence must be a number")),
        Row("HandLandmarker()", "num_threads_0", landmarker(num_threads=0),
            Raises(ValueError, r"num_threads must be >= 1")),
        Row("HandLandmarker()", "num_threads_True", landmarker(num_threads=True),
            Raises(TypeError, r"num_threads must be a positive int")),
        Row("HandLandmarker()", "model_heavy", landmarker(model="heavy"),
            Raises(ValueError, r"model must be 'lite' or 'full', got 'heavy'")),
        Row("HandLandmarker()", "mirrored_str", landmarker(mirrored="no"),
            Raises(TypeError, r"mirrored must be True or False, got 'no'")),  # was: True
        Row("HandTracker()", "detection_interval_0", tracker(detection_interval=0),
            Raises(ValueError, r"detection_interval must be >= 1")),
        Row("HandTracker()", "detection_interval_True", tracker(detection_interval=True),
            Raises(TypeError, r"detection_interval must be a positive int")),
        Row("HandTracker()", "smooth_str", tracker(smooth_landmarks="yes"),
            Raises(TypeError, r"smooth_landmarks must be True or False")),  # was: True
        Row("HandTracker()", "filter_not_params", tracker(smooth_landmarks=True,
                                                          landmark_filter=5),
            Raises(TypeError, r"landmark_filter must be a palmlite.OneEuroParams, got 5")),
        Row("HandTracker()", "landmarker_str", lambda c: palmlite.HandTracker("full"),
            Raises(TypeError, r"landmarker must be a HandLandmarker, got str")),
        Row("HandTracker()", "landmarker_and_options", tracker(max_hands=1),
            Raises(TypeError, r"not both")),
        Row("Hands()", "max_num_hands_0", hands(max_num_hands=0),
            Raises(ValueError, r"max_num_hands must be >= 1")),
        Row("Hands()", "max_num_hands_2.5", hands(max_num_hands=2.5),
            Raises(TypeError, r"max_num_hands must be a positive int")),
        Row("Hands()", "model_complexity_2", hands(model_complexity=2),
            Raises(ValueError, r"model_complexity must be 0 or 1, got 2")),
        Row("Hands()", "model_complexity_True", hands(model_complexity=True),
            Raises(ValueError, r"model_complexity must be 0 or 1, got True")),
        Row("Hands()", "tracking_conf_nan", hands(min_tracking_confidence=math.nan),
            Raises(ValueError, r"min_tracking_confidence must be in \[0, 1\]")),
        Row("cli", "max_hands_0", cli("--max-hands", "0"),
            Exits(2, r"--max-hands: must be >= 1, got 0")),
        Row("cli", "max_hands_2.5", cli("--max-hands", "2.5"),
            Exits(2, r"--max-hands: expected a positive integer, got '2.5'")),
        Row("cli", "threads_x", cli("--threads", "x"), Exits(2, r"--threads: expected a positive")),
        Row("cli", "model_heavy", cli("--model", "heavy"), Exits(2, r"invalid choice: 'heavy'")),
        Row("cli", "resume_without_output", lambda c: _cli_no_output(c, ["detect", "--resume"]),
            Exits(2, r"--resume needs -o")),
    ]
    return rows


def _cli_no_output(ctx: Ctx, arguments: list[str]) -> tuple[int, str]:
    ctx.capsys.readouterr()
    try:
        status = cli_main(arguments)
    except SystemExit as exc:
        status = int(exc.code or 0)
    return status, ctx.capsys.readouterr().err


def _weights(tmp: Path, palm: bytes | None, landmark: bytes | None) -> Path:
    """A weights_dir with the real MANIFEST and the given lite files (None: the real one,
    linked; b"": absent)."""
    target = tmp / "weights"
    target.mkdir()
    shutil.copy(REPO_WEIGHTS / "MANIFEST.json", target)
    for name, data in (("palm_detection_lite.onnx", palm), ("hand_landmark_lite.onnx", landmark)):
        if data is None:
            os.symlink(REPO_WEIGHTS / name, target / name)
        elif data:
            (target / name).write_bytes(data)
    return target


def _weight_rows() -> list[Row]:
    real_palm = (REPO_WEIGHTS / "palm_detection_lite.onnx").read_bytes()

    def build(palm: bytes | None, landmark: bytes | None) -> Callable[[Ctx], Any]:
        return lambda c: palmlite.HandLandmarker(
            model="lite", num_threads=1, weights_dir=_weights(c.tmp_path, palm, landmark))

    corrupted = r"{}\.onnx is corrupted: sha256 [0-9a-f]{{64}}, expected [0-9a-f]{{64}}"
    return [
        Row("HandLandmarker(weights_dir)", "truncated_onnx", build(real_palm[:100_000], None),
            Raises(palmlite.WeightsCorruptedError, corrupted.format("palm_detection_lite"))),
        Row("HandLandmarker(weights_dir)", "garbage_onnx", build(None, b"\x08\x07garbage" * 50),
            Raises(palmlite.WeightsCorruptedError, corrupted.format("hand_landmark_lite"))),
        Row("HandLandmarker(weights_dir)", "missing_onnx", build(None, b""),
            Raises(palmlite.WeightsNotFoundError,
                   r"weight file hand_landmark_lite\.onnx not found; looked at:")),
        Row("HandLandmarker(weights_dir)", "linked_real_files", build(None, None), Ok()),
        Row("HandLandmarker(weights_dir)", "missing_dir",
            lambda c: palmlite.HandLandmarker(weights_dir=c.tmp_path / "none"),
            Raises(FileNotFoundError, r"palm_detection_full\.onnx not found")),
    ]


def _misc_rows() -> list[Row]:
    image = np.zeros((16, 16, 3), np.uint8)
    state_ok = {"version": 1, "tracks": [], "next_track_id": 3, "frame_index": 2,
                "last_timestamp_ms": None, "last_detection_frame": None}

    def set_state(value: Any) -> Callable[[Ctx], Any]:
        def run(c: Ctx) -> Any:
            tracker = palmlite.HandTracker(c.landmarker)
            tracker.state = value
            return tracker.track(image)
        return run

    bad_track = {**state_ok, "tracks": [{"track_id": 0, "roi": [math.nan, 0.5, 0.1, 0.1, 0],
                                         "right_probability_sum": 0.5, "frames": 1}]}
    return [
        Row("detect_batch", "none", lambda c: c.landmarker.detect_batch(None),
            Raises(TypeError, r"sequence of images or an \(N, H, W, 3\) array.*got NoneType")),
        Row("detect_batch", "int", lambda c: c.landmarker.detect_batch(3),
            Raises(TypeError, r"got int")),
        Row("detect_batch", "single_image", lambda c: c.landmarker.detect_batch(image),
            Raises(TypeError, r"for a single image use detect\(\)")),
        Row("detect_batch", "single_path",
            lambda c: c.landmarker.detect_batch(str(IMAGES / "hands.jpg")),
            Raises(TypeError, r"for a single image use detect\(\)")),
        Row("detect_batch", "4d_float", lambda c: c.landmarker.detect_batch(
            np.zeros((2, 8, 8, 3), np.float32)), Raises(ValueError, r"images\[0\]: .*float")),
        Row("detect_batch", "second_bad",
            lambda c: c.landmarker.detect_batch([image, image[..., 0]]),
            Raises(ValueError, r"images\[1\]: expected an \(H, W, 3\)")),
        Row("detect_batch", "empty", lambda c: c.landmarker.detect_batch([]),
            Ok(check=_equals([]))),
        Row("detect_batch", "4d_zero_frames",
            lambda c: c.landmarker.detect_batch(np.zeros((0, 8, 8, 3), np.uint8)),
            Ok(check=_equals([]))),
        Row("detect_batch", "generator", lambda c: c.landmarker.detect_batch(x for x in [image]),
            Ok()),
        Row("HandTracker.state", "str", set_state("x"),
            Raises(TypeError, r"state must be a TrackerState or its dict, got str")),
        Row("HandTracker.state", "wrong_version", set_state({"version": 99}),
            Raises(ValueError, r"not a palmlite tracker state")),
        Row("HandTracker.state", "missing_key", set_state({"version": 1}),
            Raises(ValueError, r"invalid tracker state: missing 'tracks'")),
        Row("HandTracker.state", "nan_roi", set_state(bad_track),
            Raises(ValueError, r"invalid tracker state: Roi values must be finite")),
        Row("HandTracker.state", "valid_dict", set_state(state_ok), Ok()),
        Row("Hands.process", "after_close", _closed_hands, Raises(ValueError, r"closed")),
        Row("draw", "result_not_hands", lambda c: palmlite.draw(image, ["hand"]),
            Raises(TypeError, r"a Hand or an iterable of Hands, got an element of type str")),
        Row("draw", "result_none", lambda c: palmlite.draw(image, None),
            Raises(TypeError, r"a Hand or an iterable of Hands, got NoneType$")),
        Row("draw", "line_width_0", lambda c: palmlite.draw(image, (), line_width=0),
            Raises(ValueError, r"line_width must be a positive int or None, got 0")),
    ]


def _closed_hands(c: Ctx) -> Any:
    hands = legacy.Hands(static_image_mode=True, model_complexity=0)
    hands.close()
    hands.close()  # a second close is allowed
    return hands.process(np.zeros((8, 8, 3), np.uint8))


def _image_rows() -> list[Row]:
    rows = []
    for cls in IMAGE_CLASSES:
        for entry, call in IMAGE_ENTRIES.items():
            if entry in cls.skip:
                continue
            expected = cls.expected
            if entry.startswith("Hands.process"):
                expected = LEGACY_IMAGE_EXPECTED.get(cls.name, expected)
            if entry == "detect_batch" and isinstance(expected, Raises):
                # The batch names the index of the image at fault.
                expected = Raises(expected.error, r"^images\[0\]: .*" + expected.match)
            rows.append(Row(entry, cls.name, _image_call(call, cls.make), expected))
        if cls.cli is not None:
            rows.append(Row("cli", cls.name, _cli_call(cls.make), cls.cli))
    return rows


def _image_call(call: Callable[[Ctx, Any], Any],
                make: Callable[[Path], Any]) -> Callable[[Ctx], Any]:
    return lambda c: call(c, make(c.tmp_path))


def _cli_call(make: Callable[[Path], Any]) -> Callable[[Ctx], Any]:
    return lambda c: _cli(c, ["detect", str(make(c.tmp_path))])


ROWS = _image_rows() + _roi_rows() + _timestamp_rows() + _option_rows() + _weight_rows() \
    + _misc_rows()


# -- checking results ---------------------------------------------------------------------------


def _check_palm(palm: PalmDetection) -> None:
    assert 0.0 <= palm.score <= 1.0
    assert palm.box_xywh.shape == (4,) and np.isfinite(palm.box_xywh).all()
    assert palm.box_xywh[2] > 0 and palm.box_xywh[3] > 0
    assert palm.keypoints_xy.shape == (7, 2) and np.isfinite(palm.keypoints_xy).all()


def check_hand(hand: Hand) -> None:
    """Every value of a hand finite and in its documented range."""
    for name in ("landmarks", "landmarks_px", "world_landmarks"):
        array = getattr(hand, name)
        assert array.shape == (21, 3) and array.dtype == np.float32, name
        assert np.isfinite(array).all(), name
    assert hand.handedness in ("Left", "Right")
    assert 0.5 <= hand.handedness_score <= 1.0
    assert 0.0 <= hand.presence <= 1.0
    assert np.isfinite(hand.roi.as_array()).all() and hand.roi.width > 0 and hand.roi.height > 0
    if hand.palm is not None:
        _check_palm(hand.palm)


def check_result(result: Any) -> None:
    """Any result of a public entry point: finite, in range, the right shapes."""
    if isinstance(result, HandsResult):
        assert len(result.image_size) == 2 and min(result.image_size) >= 1
        for hand in result.hands:
            check_hand(hand)
        for palm in result.palms:
            _check_palm(palm)
    elif isinstance(result, Hand):
        check_hand(result)
    elif isinstance(result, PalmDetection):
        _check_palm(result)
    elif isinstance(result, SolutionOutputs):  # a NamedTuple: before the tuple case
        for hand in result.multi_hand_landmarks or []:
            assert len(hand.landmark) == 21
            assert all(math.isfinite(v) for p in hand.landmark for v in (p.x, p.y, p.z))
        for label in result.multi_handedness or []:
            assert label.classification[0].label in ("Left", "Right")
    elif isinstance(result, (list, tuple)):
        for item in result:
            check_result(item)
    elif isinstance(result, Image.Image):
        assert result.mode == "RGB"
    elif isinstance(result, (palmlite.HandLandmarker, palmlite.HandTracker)):
        pass
    else:
        raise AssertionError(f"unexpected result type {type(result).__name__}")


def fingerprint(result: Any) -> Any:
    """A comparable form of a result, bit for bit."""
    if isinstance(result, HandsResult):
        return ("result", result.image_size, fingerprint(result.hands), fingerprint(result.palms))
    if isinstance(result, Hand):
        return ("hand", result.landmarks.tobytes(), result.world_landmarks.tobytes(),
                result.handedness, result.handedness_score, result.presence, result.roi,
                fingerprint(result.palm))
    if isinstance(result, PalmDetection):
        return ("palm", result.score, result.box_xywh.tobytes(), result.keypoints_xy.tobytes())
    if isinstance(result, (list, tuple)):
        return tuple(fingerprint(r) for r in result)
    if isinstance(result, Image.Image):
        return ("image", result.size, result.tobytes())
    return repr(result)  # SolutionOutputs (dataclasses), None


def _traced(run: Callable[[], Any]) -> tuple[Any, float]:
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.entry}-{r.name}" for r in ROWS])
def test_bad_input(row: Row, ctx: Ctx) -> None:
    expected = row.expected
    if isinstance(expected, Raises):
        with pytest.raises(expected.error) as info:
            row.run(ctx)
        message = str(info.value)
        assert re.search(expected.match, message), f"message {message!r} !~ {expected.match!r}"
        assert "nan" not in type(info.value).__name__.lower()
        return
    if isinstance(expected, Exits):
        status, err = row.run(ctx)
        assert status == expected.status, err
        assert re.search(expected.stderr, err, re.MULTILINE), err
        return
    if expected.max_mib is not None:
        result, peak = _traced(lambda: row.run(ctx))
        assert peak < expected.max_mib, f"peak traced allocation {peak:.1f} MiB"
    else:
        result = row.run(ctx)
    check_result(result)
    if expected.check is not None:
        expected.check(result)
    if expected.same_as is not None:
        # The same entry point on the equivalent contiguous input gives identical output.
        cls = next(c for c in IMAGE_CLASSES if c.name == row.name)
        call = IMAGE_ENTRIES[row.entry]
        if row.entry == "Hands.process(video)":
            ctx.video_hands.reset()
        reference = call(ctx, cls.expected.same_as(cls.make(ctx.tmp_path)))  # type: ignore[union-attr]
        assert fingerprint(result) == fingerprint(reference)


def test_the_table_covers_every_entry_point_and_enough_classes() -> None:
    entries = {r.entry for r in ROWS}
    assert set(IMAGE_ENTRIES) <= entries
    assert {"cli", "HandLandmarker()", "HandTracker()", "Hands()",
            "HandLandmarker(weights_dir)"} <= entries
    assert len({r.name for r in ROWS}) >= 40


# -- model outputs that are not finite ----------------------------------------------------------

_LANDMARK_OUTPUTS = {"landmarks": 0, "presence": 1, "handedness": 2, "world_landmarks": 3}


def _patch_run(monkeypatch: pytest.MonkeyPatch, model: Any, output: int, value: float,
               columns: slice = slice(None)) -> None:
    real = model.run

    def run(tensor: np.ndarray) -> list[np.ndarray]:
        outputs = [o.copy() for o in real(tensor)]
        outputs[output][..., columns] = value
        return outputs

    monkeypatch.setattr(model, "run", run)


@pytest.fixture(scope="module")
def full() -> palmlite.HandLandmarker:
    return palmlite.HandLandmarker(model="full", num_threads=1)


@pytest.mark.parametrize("value", [math.nan, math.inf], ids=["nan", "inf"])
@pytest.mark.parametrize("output", list(_LANDMARK_OUTPUTS))
def test_non_finite_landmark_outputs_drop_the_hand(
    full: palmlite.HandLandmarker, monkeypatch: pytest.MonkeyPatch, output: str, value: float,
) -> None:
    # Without the fix: NaN landmarks were reported (detect), crashed the tracker's next ROI
    # ("cannot convert float NaN to integer"), and NaN handedness / inf world leaked out.
    assert len(full.detect(_HANDS_PIXELS)) == 2
    _patch_run(monkeypatch, full._landmark_model, _LANDMARK_OUTPUTS[output], value)
    assert full.detect(_HANDS_PIXELS).hands == ()
    assert [r.hands for r in full.detect_batch([_HANDS_PIXELS] * 2)] == [(), ()]
    tracker = palmlite.HandTracker(full, smooth_landmarks=True)
    for _ in range(2):
        assert tracker.track(_HANDS_PIXELS).hands == ()
    # landmarks_in_roi reports every ROI: the unusable row comes back as "no hand here".
    hand = full.landmarks_in_roi(_HANDS_PIXELS, _CENTRE_ROI)
    check_hand(hand)
    assert hand.presence == 0.0
    np.testing.assert_array_equal(hand.landmarks[:, :2], np.full((21, 2), 0.5, np.float32))
    assert legacy.to_solution_outputs(full.detect(_HANDS_PIXELS)).multi_hand_landmarks is None


def test_one_bad_landmark_row_drops_only_that_hand(
    full: palmlite.HandLandmarker, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = full.detect(_HANDS_PIXELS)
    real = full._landmark_model.run

    def run(tensor: np.ndarray) -> list[np.ndarray]:
        outputs = [o.copy() for o in real(tensor)]
        outputs[0][0, 5] = math.nan  # one coordinate of the first crop only
        return outputs

    monkeypatch.setattr(full._landmark_model, "run", run)
    result = full.detect(_HANDS_PIXELS)
    assert len(result) == 1
    np.testing.assert_array_equal(result.hands[0].landmarks, good.hands[1].landmarks)


_PALM_CASES = {
    "regressors_nan": (0, math.nan, slice(None)),
    "regressors_inf": (0, math.inf, slice(None)),  # was: ValueError from NaN in the ROI
    "keypoints_nan": (0, math.nan, slice(4, 18)),
    "box_size_zero": (0, 0.0, slice(2, 4)),  # was: "Roi width and height must be positive"
    "scores_nan": (1, math.nan, slice(None)),
    "scores_inf": (1, math.inf, slice(None)),
}


# inf - inf inside decode_palms warns before the palm is dropped: expected here.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("case", list(_PALM_CASES))
def test_non_finite_palm_outputs_drop_the_palm(
    full: palmlite.HandLandmarker, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    output, value, columns = _PALM_CASES[case]
    _patch_run(monkeypatch, full._palm_model, output, value, columns)
    for result in (full.detect(_HANDS_PIXELS), palmlite.HandTracker(full).track(_HANDS_PIXELS)):
        check_result(result)
    palms = full.detect_palms(_HANDS_PIXELS)
    check_result(palms)
    if case == "scores_inf":
        # +inf logits are valid scores of 1 (clipped to +-100 before the sigmoid): the boxes
        # are real, every anchor passes, and weighted NMS merges them into finite palms.
        return
    assert palms == ()


# -- safety ---------------------------------------------------------------------------------------


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_pickle_anywhere_in_the_package() -> None:
    # Tracker state, results and the CLI's output are plain data: nothing palmlite reads or
    # writes can execute code when loaded. (Users may pickle the legacy protobuf messages, as
    # with MediaPipe, so the word appears in comments; palmlite itself never (un)pickles.)
    pattern = re.compile(r"^\s*(from|import)\s+(pickle|_pickle|cPickle|marshal|shelve|dill|"
                         r"cloudpickle)\b|\b(pickle|marshal|shelve|dill)\.\w+\(", re.MULTILINE)
    offenders = [p.name for p in _sources() if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_network_library_is_imported() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+(urllib|requests|http|socket|ssl|ftplib|"
                         r"httpx|aiohttp|urllib3)\b", re.MULTILINE)
    offenders = [p.name for p in _sources() if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_tracker_state_is_plain_json(lite: palmlite.HandLandmarker) -> None:
    tracker = palmlite.HandTracker(lite, smooth_landmarks=True, smooth_handedness=True)
    for t in (0, 33, 66):
        tracker.track(_HANDS_PIXELS, timestamp_ms=t)
    data = tracker.state.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: no NaN/inf either
    assert json.loads(text) == data
    restored = palmlite.TrackerState.from_dict(json.loads(text))
    assert restored.to_dict() == data

    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or type(value) in (bool, int, float, str)

    assert plain(data)


def test_weights_are_verified_by_sha256_at_load() -> None:
    # Covered in depth by tests/test_weights_models.py (test_corrupted_weights_are_refused,
    # test_weights_without_manifest_are_refused) and by the weights rows of the table above.
    from palmlite import weights

    source = Path(weights.__file__).read_text(encoding="utf-8")
    assert "sha256_of(path)" in source and "WeightsCorruptedError" in source


def test_nothing_touches_the_network(lite: palmlite.HandLandmarker, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("palmlite tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    landmarker = palmlite.HandLandmarker(model="lite", num_threads=1)  # loading too
    assert len(landmarker.detect(IMAGES / "hands.jpg")) == 2
    tracker = palmlite.HandTracker(lite)
    for frame in list(palmlite.read_video(DATA / "videos" / "thumb_up_40.mp4"))[:3]:
        tracker.track(frame.image, timestamp_ms=frame.timestamp_ms)
    out = tmp_path / "out.jsonl"
    assert cli_main(["detect", str(IMAGES / "hands.jpg"), "-q", "-o", str(out),
                     "--model", "lite", "--threads", "1"]) == 0
    assert len(json.loads(out.read_text())["hands"]) == 2
    capsys.readouterr()
