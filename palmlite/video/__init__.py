"""Video in and out with PyAV (optional extra: ``palmlite[video]``).

Reading gives ``(H, W, 3)`` uint8 RGB frames with timestamps, ready for
:meth:`palmlite.HandTracker.track`, from a file, stdin (``"-"``), a network URL or a file
object; writing encodes annotated frames to MP4. PyAV bundles its own FFmpeg, so nothing else is
needed, and FFmpeg (not Python) does all network I/O.

What streams and what is spooled: everything is decoded as it arrives except an MP4/MOV whose
index (``moov`` box) comes after its sample data (``mdat``) and that arrives through something
that cannot seek back (stdin, a pipe, a non-seekable file object, an HTTP server that ignores
Range requests). Such a file cannot be demuxed before its end has been read, so it is first
copied to a temporary file (deleted afterwards, also on error or interruption) and decoded from
there. The decision is made by reading the top-level ISO-BMFF boxes at the head of the stream,
not by trial and error; for HTTP(S), FFmpeg tries first (it seeks with Range requests when the
server supports them) and the file is spooled only if that fails.
"""

from .reader import read_video
from .sources import STDIN, URL_SCHEMES, SupportsRead, VideoFrame, VideoSource, is_stream_source
from .writer import VIDEO_ENCODERS, VideoInfo, VideoWriter, available_encoders, probe_video

__all__ = [
    "STDIN",
    "URL_SCHEMES",
    "VIDEO_ENCODERS",
    "SupportsRead",
    "VideoFrame",
    "VideoInfo",
    "VideoSource",
    "VideoWriter",
    "available_encoders",
    "is_stream_source",
    "probe_video",
    "read_video",
]
