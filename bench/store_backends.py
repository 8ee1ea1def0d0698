"""The two store backends side by side: storing N articles, then what the dashboard and `list` cost.

    python bench/store_backends.py                   # 10,000 articles
    python bench/store_backends.py --articles 2000   # quicker
    python bench/store_backends.py --json

The articles are bench/dashboard_perf.py's generated corpus, extracted once (the extraction does
not depend on the backend); then, for SQLite (a temporary file) and PostgreSQL ($TENSION_TEST_PG,
else a throwaway cluster started with .ci/postgres), it times
- store: ``Store.add_features`` for every article, one transaction each (ingest's write path),
  in articles per second;
- features: a first ``Store.features()`` on a new Store (the dashboard's first load);
- list: ``python -m metrics list --format csv`` in a new process (startup, load, scoring);
and a one-process ``ingest`` of ``--files`` text files (reading + extraction + writing).
Read the ratios: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dashboard_perf import _extract_chunk, make_article  # noqa: E402


def _cli(*argv: str) -> float:
    t0 = time.perf_counter()
    got = subprocess.run([sys.executable, "-m", "metrics", *argv], cwd=ROOT, capture_output=True, text=True)
    if got.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: {got.stderr.strip()}")
    return time.perf_counter() - t0


def measure(location: str, ingest_db: str, feats: list, files: Path) -> dict:
    from metrics.store.core import Store

    store = Store(location)
    t0 = time.perf_counter()
    for f in feats:
        store.add_features(f)
    stored = time.perf_counter() - t0
    store.close()
    t0 = time.perf_counter()
    with Store(location) as fresh:
        n = len(fresh.features())
    load = time.perf_counter() - t0
    assert n == len(feats), (n, len(feats))
    listing = _cli("list", "--format", "csv", "--db", location)
    ingest = _cli("ingest", str(files), "--db", ingest_db, "--quiet")
    return {
        "store_per_s": round(len(feats) / stored), "features_s": round(load, 2), "list_s": round(listing, 2),
        "ingest_files_per_s": round(len(list(files.iterdir())) / ingest, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--files", type=int, default=500, help="text files for the one-process ingest (default 500)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    chunks = [(lo, min(lo + 250, args.articles)) for lo in range(0, args.articles, 250)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        feats = [f for part in pool.map(_extract_chunk, chunks) for f in part]
    extracted = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="tbench."))
    files = tmp / "files"
    files.mkdir()
    for i in range(args.files):
        (files / f"wire-{i:05d}.txt").write_text(make_article(500_000 + i)[0], encoding="utf-8")

    cluster = None
    server = os.environ.get("TENSION_TEST_PG")
    try:
        if not server:
            # Its own folder under /tmp: the server's user must reach it, and the socket path be short.
            cluster = Path(tempfile.mkdtemp(prefix="tpg.", dir="/tmp"))
            got = subprocess.run(["bash", str(ROOT / ".ci" / "postgres"), "start", str(cluster)],
                                 capture_output=True, text=True)
            if got.returncode != 0:
                raise SystemExit(f"cannot start PostgreSQL: {got.stderr.strip()}")
            server = got.stdout.strip()
        import psycopg

        with psycopg.connect(server, autocommit=True) as admin:
            for schema in ("bench", "bench_ingest"):
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                admin.execute(f"CREATE SCHEMA {schema}")
        pg = f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D"
        results = {
            "articles": args.articles, "files": args.files, "extract_per_s": round(args.articles / extracted),
            "sqlite": measure(str(tmp / "bench.db"), str(tmp / "ingest.db"), feats, files),
            "postgresql": measure(pg + "bench", pg + "bench_ingest", feats, files),
        }
        with psycopg.connect(server, autocommit=True) as admin:
            for schema in ("bench", "bench_ingest"):
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        if cluster is not None:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres"), "stop", str(cluster)], capture_output=True)
            shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"{args.articles:,} articles (extraction {results['extract_per_s']}/s, the same for both)")
    print(f"{'':12}{'store /s':>10}{'features()':>12}{'list':>8}{'ingest files/s':>16}")
    for name in ("sqlite", "postgresql"):
        r = results[name]
        print(f"{name:12}{r['store_per_s']:>10}{r['features_s']:>11}s{r['list_s']:>7}s{r['ingest_files_per_s']:>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
