"""read_video from stdin, HTTP, file objects and live pipes; still images refused.

Every source must give exactly the frames (pixels bit for bit) and timestamps of the same bytes
read from a file on disk. The committed clips have their index (``moov``) after the sample data
(``mdat``): from a pipe or an HTTP server that ignores Range requests (Python's ``http.server``)
FFmpeg cannot demux them, so read_video spools them to a temporary file; streamable variants
(index first, fragmented MP4, MPEG-TS) are built here with PyAV and must be decoded as they come,
without a temporary file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from conftest import DATA
from PIL import Image
from video_utils import remux

import palmlite
from palmlite import video
from palmlite.video import VideoInfo, probe_video, read_video

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

CLIP = DATA / "videos" / "asl_hand_40.mp4"
SPOOL_GLOB = "palmlite-spool-*"


# -- inputs -------------------------------------------------------------------------------------


def _boxes(data: bytes) -> list[bytes]:
    """Top-level ISO-BMFF box types, in file order."""
    kinds, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size == 1:
            size = struct.unpack_from(">Q", data, offset + 8)[0]
        kinds.append(kind)
        offset += size if size else len(data)
    return kinds


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    end = folder / "moov_end.mp4"
    end.write_bytes(CLIP.read_bytes())
    return {
        "moov_end": end,
        # Long enough that FFmpeg's read buffer cannot hide the seek back over HTTP.
        "moov_end_long": remux(folder / "moov_end_long.mp4", "mp4", repeat=2),
        "moov_start": remux(folder / "moov_start.mp4", "mp4", {"movflags": "faststart"}),
        "fragmented": remux(folder / "fragmented.mp4", "mp4",
                             {"movflags": "frag_keyframe+empty_moov+default_base_moof"}),
        "mpegts": remux(folder / "clip.ts", "mpegts"),
        "matroska": remux(folder / "clip.mkv", "matroska"),
    }


SPOOLED = {"moov_end", "moov_end_long"}  # from a pipe; over HTTP only the long one


def _digest(frames: Iterator[palmlite.VideoFrame]) -> tuple[list[float], list[str]]:
    stamps, digests = [], []
    for frame in frames:
        assert frame.image.dtype == np.uint8 and frame.image.ndim == 3
        stamps.append(frame.timestamp_ms)
        digests.append(hashlib.sha256(frame.image.tobytes()).hexdigest())
    return stamps, digests


@pytest.fixture(scope="module")
def on_disk(clips: dict[str, Path]) -> dict[str, tuple[list[float], list[str]]]:
    """What reading each clip from its file gives: the reference for every other source."""
    return {name: _digest(read_video(path)) for name, path in clips.items()}


@pytest.fixture
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temporary folder, so spool files can be watched."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


class Pipe:
    """A non-seekable binary stream (only ``read``), like a pipe. ``interrupt_at`` raises
    KeyboardInterrupt on that read, as Ctrl-C during a blocking read does."""

    def __init__(self, data: bytes, interrupt_at: int | None = None) -> None:
        self._data = io.BytesIO(data)
        self._reads = 0
        self._interrupt_at = interrupt_at

    def read(self, size: int) -> bytes:
        self._reads += 1
        if self._reads == self._interrupt_at:
            raise KeyboardInterrupt
        return self._data.read(min(size, 4096))


# -- sniffing -----------------------------------------------------------------------------------


def test_clips_index_positions_and_the_sniffer(clips: dict[str, Path]) -> None:
    # Why spooling exists: the committed clips have moov after mdat, and PyAV alone cannot
    # read such a file from a pipe.
    for committed in sorted((DATA / "videos").glob("*.mp4")):
        kinds = _boxes(committed.read_bytes())
        assert kinds.index(b"mdat") < kinds.index(b"moov"), committed.name
    with pytest.raises(av.error.InvalidDataError), av.open(Pipe(CLIP.read_bytes())) as c:
        list(c.decode(video=0))
    for name, path in clips.items():
        reader = video.sources._StreamReader(Pipe(path.read_bytes()).read)
        assert video.sources._index_after_data(reader) == (name in SPOOLED), name
    starts = _boxes(clips["moov_start"].read_bytes())
    assert starts.index(b"moov") < starts.index(b"mdat")


def test_peeked_bytes_are_not_lost() -> None:
    data = bytes(range(256)) * 1000
    reader = video.sources._StreamReader(Pipe(data).read)
    assert reader.peek(100_000) == data[:100_000]
    out = b""
    while chunk := reader.read(3000):
        assert len(chunk) <= 3000
        out += chunk
    assert out == data


# -- stdin --------------------------------------------------------------------------------------

_CHILD_READS_STDIN = r"""
import hashlib, json, os, sys, palmlite
def spools():
    return [n for n in os.listdir(os.environ["TMPDIR"]) if n.startswith("palmlite-spool-")]
stamps, digests, spooled = [], [], []
for frame in palmlite.read_video("-"):
    if frame.index == 0:
        spooled = spools()
    stamps.append(frame.timestamp_ms)
    digests.append(hashlib.sha256(frame.image.tobytes()).hexdigest())
print(json.dumps({"stamps": stamps, "digests": digests, "spooled": spooled, "left": spools()}))
"""


# mpegts through a pipe: test_live_stdin_is_read_lazily_and_ctrl_c_stops_it.
@pytest.mark.parametrize(("name", "how"), [("moov_end", "pipe"), ("moov_end", "redirect")])
def test_stdin_gives_the_frames_of_the_file(name: str, how: str, clips: dict[str, Path],
                                            on_disk: dict[str, Any], tmp_path: Path) -> None:
    # A pipe is sniffed and spooled only for moov-at-end; a redirected file (``< clip.mp4``)
    # is seekable and never spooled.
    command = [sys.executable, "-c", _CHILD_READS_STDIN]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    if how == "pipe":
        done = subprocess.run(command, input=clips[name].read_bytes(), capture_output=True,
                              timeout=60, env=env)
    else:
        with clips[name].open("rb") as stdin:
            done = subprocess.run(command, stdin=stdin, capture_output=True, timeout=60,
                                  env=env)
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert (result["stamps"], result["digests"]) == on_disk[name]
    spooled = how == "pipe" and name in SPOOLED
    assert len(result["spooled"]) == spooled, result["spooled"]  # spooled only when needed
    assert result["left"] == []  # and the spool file is gone


_CHILD_LIVE = r"""
import hashlib, os, signal, sys, palmlite
# Ctrl-C as in a terminal, even when this test runs in a background job (whose children
# inherit SIGINT ignored, so Python would install no KeyboardInterrupt handler).
signal.signal(signal.SIGINT, signal.default_int_handler)
try:
    for frame in palmlite.read_video("-"):
        spools = [n for n in os.listdir(os.environ["TMPDIR"]) if n.startswith("palmlite-spool")]
        digest = hashlib.sha256(frame.image.tobytes()).hexdigest()
        print(frame.index, frame.timestamp_ms, digest, len(spools), flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
print("ended", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
def test_live_stdin_is_read_lazily_and_ctrl_c_stops_it(clips: dict[str, Path],
                                                       on_disk: dict[str, Any],
                                                       tmp_path: Path) -> None:
    # A live source: the stream stays open. Frames (those of the file, bit for bit, without
    # spooling) must come before it ends, and Ctrl-C while FFmpeg waits for more must stop
    # the reader (PyAV alone would print the KeyboardInterrupt as "Exception ignored" and wait).
    child = subprocess.Popen([sys.executable, "-c", _CHILD_LIVE], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.buffer.write(clips["mpegts"].read_bytes())  # type: ignore[attr-defined]
        child.stdin.flush()
        lines = [child.stdout.readline().split() for _ in range(20)]  # stdin still open
        assert [float(line[1]) for line in lines] == on_disk["mpegts"][0][:20]
        assert [line[2] for line in lines] == on_disk["mpegts"][1][:20]
        assert {line[3] for line in lines} == {"0"}  # streamed, not spooled
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 3, (out, err)
    assert out.splitlines()[-1] == "interrupted"
    assert "Exception ignored" not in err


# -- HTTP ---------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(clips: dict[str, Path]) -> Iterator[str]:
    folder = next(iter(clips.values())).parent
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_the_test_server_ignores_range_requests(server: str, clips: dict[str, Path]) -> None:
    request = urllib.request.Request(server + "moov_end.mp4", headers={"Range": "bytes=100-"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and "Accept-Ranges" not in response.headers
        assert response.read() == clips["moov_end"].read_bytes()


@pytest.mark.parametrize("name", ["moov_start", "moov_end", "moov_end_long", "fragmented",
                                  "mpegts", "matroska"])
def test_http_gives_the_frames_of_the_file(name: str, clips: dict[str, Path], server: str,
                                           on_disk: dict[str, Any], spool_dir: Path) -> None:
    frames = read_video(server + clips[name].name)
    first = next(frames)
    # Over HTTP FFmpeg tries first; only the long moov-at-end file needs the fallback (the
    # short one fits in FFmpeg's read buffer, so its seek back never reaches the server).
    assert len(list(spool_dir.glob(SPOOL_GLOB))) == (name == "moov_end_long")
    stamps, digests = _digest(iter([first, *frames]))
    assert (stamps, digests) == on_disk[name]
    assert list(spool_dir.iterdir()) == []


def test_http_errors_name_the_url(server: str) -> None:
    with pytest.raises(OSError, match=r"cannot read http://127\.0\.0\.1:\d+/nope\.mp4: .*404"):
        next(read_video(server + "nope.mp4"))


def test_url_passwords_are_masked_and_schemes_checked(server: str) -> None:
    port = server.rsplit(":", 1)[1].strip("/")
    with pytest.raises(OSError) as info:
        next(read_video(f"http://user:secret@127.0.0.1:{port}/nope.mp4"))
    assert "secret" not in str(info.value) and "user:***@" in str(info.value)
    assert info.value.__cause__ is None
    with pytest.raises(ValueError, match=r"unsupported URL scheme 'file'"):
        next(read_video("file:///etc/hostname"))


# -- file objects -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moov_end", "mpegts"])  # spooled from a pipe, streamed
def test_file_objects_give_the_frames_of_the_file(name: str, clips: dict[str, Path],
                                                  on_disk: dict[str, Any],
                                                  spool_dir: Path) -> None:
    data = clips[name].read_bytes()
    assert _digest(read_video(io.BytesIO(data))) == on_disk[name]  # seekable: no spooling
    with clips[name].open("rb") as handle:
        assert _digest(read_video(handle)) == on_disk[name]
        assert not handle.closed  # the caller's file stays the caller's
    frames = read_video(Pipe(data))
    first = next(frames)
    assert len(list(spool_dir.glob(SPOOL_GLOB))) == (name in SPOOLED)
    assert _digest(iter([first, *frames])) == on_disk[name]
    assert list(spool_dir.iterdir()) == []


def test_text_files_and_other_types_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("hello")
    with text.open() as handle, pytest.raises(TypeError, match="binary file object"):
        next(read_video(handle))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got int"):
        next(read_video(42))  # type: ignore[arg-type]


def test_a_named_pipe_is_read_like_stdin(clips: dict[str, Path], on_disk: dict[str, Any],
                                         tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # A daemon: if reading failed before opening the pipe, the writer would block forever.
    writer = threading.Thread(target=lambda: fifo.write_bytes(clips["moov_end"].read_bytes()),
                              daemon=True)
    writer.start()
    try:
        assert probe_video(fifo) == VideoInfo(None, None)  # probing would eat the stream
        assert _digest(read_video(fifo)) == on_disk["moov_end"]
    finally:
        writer.join(timeout=10)


# -- temporary files and interruptions ------------------------------------------------------------


def test_early_close_and_consumer_errors_delete_the_spool(clips: dict[str, Path],
                                                          spool_dir: Path) -> None:
    data = clips["moov_end"].read_bytes()
    frames = read_video(Pipe(data))
    next(frames)
    assert len(list(spool_dir.glob(SPOOL_GLOB))) == 1
    frames.close()
    assert list(spool_dir.iterdir()) == []

    def consume() -> None:
        for frame in read_video(Pipe(data)):
            if frame.index == 3:
                raise RuntimeError("consumer failed")

    with pytest.raises(RuntimeError, match="consumer failed"):
        consume()
    assert list(spool_dir.iterdir()) == []


class SeekableFile(io.BytesIO):
    """A seekable file object whose ``interrupt_at``-th read raises KeyboardInterrupt."""

    def __init__(self, data: bytes, interrupt_at: int) -> None:
        super().__init__(data)
        self._reads = 0
        self._interrupt_at = interrupt_at

    def read(self, size: int | None = -1) -> bytes:
        self._reads += 1
        if self._reads == self._interrupt_at:
            raise KeyboardInterrupt
        return super().read(size)


def test_ctrl_c_is_not_swallowed(clips: dict[str, Path], spool_dir: Path) -> None:
    # PyAV's read callback would print a KeyboardInterrupt as "Exception ignored" and go on.
    # Here: while spooling (Python copies), while FFmpeg reads a pipe, while it reads a
    # seekable object.
    with pytest.raises(KeyboardInterrupt):
        next(read_video(Pipe(clips["moov_end"].read_bytes(), interrupt_at=5)))
    assert list(spool_dir.iterdir()) == []
    for source in (Pipe(clips["mpegts"].read_bytes(), interrupt_at=12),
                   SeekableFile(clips["mpegts"].read_bytes(), interrupt_at=3)):
        frames = read_video(source)
        with pytest.raises(KeyboardInterrupt):
            for _ in frames:
                pass


def test_probe_video_never_opens_stdin_urls_or_file_objects(
    monkeypatch: pytest.MonkeyPatch, clips: dict[str, Path]
) -> None:
    opened: list[Any] = []
    real_open = av.open
    monkeypatch.setattr(av, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    for source in ("-", "http://127.0.0.1:1/x.mp4", "rtsp://127.0.0.1:1/live",
                   io.BytesIO(b"x"), Pipe(b"x")):
        assert probe_video(source) == VideoInfo(None, None)
    assert opened == []
    assert probe_video(clips["moov_end"]).frames == 40


# -- still images and timestamps ----------------------------------------------------------------


@pytest.mark.parametrize("ext", ["jpg", "png", "bmp", "webp", "tiff", "gif"])
def test_still_images_are_not_videos(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"still.{ext}"
    Image.fromarray(np.full((24, 32, 3), 120, np.uint8)).save(path)
    for source in (path, Pipe(path.read_bytes())):
        with pytest.raises(ValueError, match=r"is a still image, not a video: use palmlite "
                                             r"detect"):
            next(read_video(source))


def test_animated_gif_is_a_video(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    images = [Image.fromarray(np.full((24, 32, 3), v, np.uint8)) for v in (0, 100, 200)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)
    for source in (path, Pipe(path.read_bytes())):
        assert [f.timestamp_ms for f in read_video(source)] == [0.0, 100.0, 200.0]


def test_timestamps_continue_over_a_restarted_stream(clips: dict[str, Path],
                                                     on_disk: dict[str, Any]) -> None:
    # Two MPEG-TS segments whose times start over (as after a restarted encoder or a 33-bit
    # wrap): after the jump back, frames continue one period later.
    data = clips["mpegts"].read_bytes() * 2
    stamps, digests = _digest(read_video(Pipe(data)))
    once = on_disk["mpegts"][0]
    assert digests == on_disk["mpegts"][1] * 2
    assert stamps[:40] == once
    np.testing.assert_allclose(np.diff(stamps), 40.0)
