"""Images per second: a local loop, Ray Data (2 actors) and Dask (2 worker processes), at 1 and
2 ONNX Runtime threads per model, on the same photos. The README's "Scaling out" table.

    python benchmarks/engines.py                         # the 6 committed photos, repeated
    python benchmarks/engines.py --images ../shared/data --count 400

Every engine run reads the files and decodes them in its workers (like the local loop) and
includes its own scheduling; cluster start-up and the first model load are left out (a
warm-up job runs first). Each figure is the best of ``--repeats`` runs. Prints a Markdown
table, the CPU's instruction sets and the versions.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import palmlite
from palmlite.data import LandmarkerOptions
from palmlite.inputs import IMAGE_SUFFIXES

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16")


def cpu() -> str:
    """Model name, core count and the instruction sets ONNX Runtime picks kernels by."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                 if line.startswith("model name")), platform.processor())
    flags = set(next((line.split(":", 1)[1].split() for line in text.splitlines()
                      if line.startswith("flags")), []))
    have = ", ".join(f"{flag} {'yes' if flag in flags else 'no'}" for flag in FLAGS)
    return f"{name}, {os.cpu_count()} logical CPUs; {have}"


def versions() -> str:
    import dask
    import onnxruntime
    import pyarrow
    import ray

    return (f"python {platform.python_version()}, palmlite {palmlite.__version__}, onnxruntime "
            f"{onnxruntime.__version__}, numpy {np.__version__}, ray {ray.__version__}, "
            f"dask {dask.__version__}, pyarrow {pyarrow.__version__}")


def best_rate(job: Callable[[], int], repeats: int) -> float:
    """Images per second of the fastest of ``repeats`` runs of ``job`` (which returns the
    number of rows it produced)."""
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = job()
        best = max(best, rows / (time.perf_counter() - started))
    return best


def local_rate(paths: list[str], threads: int, repeats: int) -> float:
    landmarker = palmlite.HandLandmarker(num_threads=threads)
    landmarker.detect(paths[0])
    return best_rate(lambda: sum(1 for path in paths if landmarker.detect(path)
                                 is not None), repeats)


def ray_rate(paths: list[str], threads: int, repeats: int, batch_size: int) -> float:
    import ray
    from ray.data import ActorPoolStrategy

    import palmlite.ray

    options = LandmarkerOptions(num_threads=threads)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        def job() -> int:
            # Two actors whatever the thread count (the default pool would make one of 2
            # threads on 2 CPUs); 0.5 CPU each leaves Ray a CPU for its own tasks.
            dataset = palmlite.ray.detect_images(paths, options=options, batch_size=batch_size,
                                                 compute=ActorPoolStrategy(size=2),
                                                 num_cpus=0.5)
            return sum(batch.num_rows for batch in dataset.iter_batches(
                batch_format="pyarrow", batch_size=None))

        job()  # warm-up: actors, sessions, Ray's code paths
        return best_rate(job, repeats)
    finally:
        ray.shutdown()


def dask_rate(paths: list[str], threads: int, repeats: int, partition_size: int) -> float:
    import distributed

    import palmlite.dask

    options = LandmarkerOptions(num_threads=threads)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        def job() -> int:
            frame = palmlite.dask.detect_images(paths, options=options,
                                                partition_size=partition_size)
            return len(frame.compute())

        job()
        return best_rate(job, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=Path, default=ROOT / "tests" / "data" / "images",
                        help="a folder of photos (searched recursively)")
    parser.add_argument("--count", type=int, default=240,
                        help="images per run (the folder's photos repeated)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8,
                        help="Ray batch size and Dask partition size")
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    photos = sorted(str(p) for p in args.images.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    paths = [photos[i % len(photos)] for i in range(args.count)]
    print(f"CPU: {cpu()}")
    print(f"Versions: {versions()}")
    print(f"{len(paths)} images ({len(photos)} photos from {args.images} repeated), model full, "
          f"best of {args.repeats}; load average before: {os.getloadavg()[0]:.1f} (other "
          "processes on the machine slow every column alike)\n")
    print("| threads per model | local loop (1 process) | Ray Data, 2 actors | "
          "Dask, 2 workers |")
    print("|---|---|---|---|")
    for threads in (1, 2):
        rates = (local_rate(paths, threads, args.repeats),
                 ray_rate(paths, threads, args.repeats, args.batch_size),
                 dask_rate(paths, threads, args.repeats, args.batch_size))
        print(f"| {threads} | " + " | ".join(f"{rate:.1f} img/s" for rate in rates) + " |",
              flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
