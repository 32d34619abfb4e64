"""`kg export --watch` over hours: it holds the generation it exports from only while it
exports, so the builds its edits trigger remove the old generations (README, "generations"),
and each refresh replaces the file whole (issue 17, exports that stay in sync)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import DATA, SMALL_BIB  # noqa: E402

from kg.builder.store import current


def _wait(predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _generations(out: Path) -> set[str]:
    return {d.name for d in (out / ".kg").glob("gen-*") if d.is_dir()}


@pytest.mark.slow
def test_a_watch_lets_builds_remove_old_generations_and_replaces_the_file_whole(
        tmp_path, ontology_path):
    from kg.api import build

    bib, out, essay = tmp_path / "references.bib", tmp_path / "out", tmp_path / "essay.json"
    shutil.copyfile(SMALL_BIB, bib)
    build(bib, ontology_path, out, progress=False)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(DATA.parent.parent), os.environ.get("PYTHONPATH", "")]))
    err = open(tmp_path / "stderr.txt", "w+", encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "kg.cli", "export", "--bib", str(bib),
                          "--ontology", str(ontology_path), "--out", str(out),
                          "--format", "csl-json", "--output", str(essay), "--watch",
                          "--interval", "0.1"],
                         cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err)

    def said(text: str) -> bool:
        err.seek(0)
        return text in err.read()

    seen: list[str] = []  # every version of the file a reader saw: each whole, never a part
    broken: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                text = essay.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            try:
                ids = sorted(i["id"] for i in json.loads(text))
            except ValueError:
                broken.append(text)
                continue
            if not seen or seen[-1] != ids:
                seen.append(ids)
            time.sleep(0.002)

    reader = threading.Thread(target=read)
    try:
        assert _wait(lambda: said("watching")), "the first export was not written"
        reader.start()
        first_gen = current(out).name
        inodes = [essay.stat().st_ino]
        for key in ("watch2024", "watch2025"):  # two edits, two builds, two refreshes
            with bib.open("a", encoding="utf-8") as f:
                f.write(f"\n@book{{{key},\n  author = {{Doe, Jane}},\n  title = {{{key}}},\n"
                        "  date = {2024},\n}\n")
            assert _wait(lambda k=key: f'"id": "{k}"' in essay.read_text(encoding="utf-8")), \
                f"the export did not follow the edit adding {key}"
            inodes.append(essay.stat().st_ino)
        live = current(out).name
        assert live != first_gen
        # the watch holds no generation between two refreshes: the builds its edits made
        # removed the older ones (before, it kept every generation it had exported from)
        assert _wait(lambda: _generations(out) == {live}, 10), _generations(out)
        assert len(set(inodes)) == 3  # each refresh a new file renamed over the old one
        # the reader polls on its own: let it meet the last version before it stops
        assert _wait(lambda: bool(seen) and "watch2025" in seen[-1], 10), seen[-1:]
        assert not list(tmp_path.glob(".essay.json.*"))  # no temporary file left
    finally:
        done.set()
        if reader.is_alive():
            reader.join(timeout=10)
        p.send_signal(signal.SIGINT)  # Ctrl-C
        code = p.wait(timeout=60)
    assert code == 0 and said("stopped watching")
    assert broken == []
    assert seen[-1] == sorted([*seen[0], "watch2024", "watch2025"])
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text(encoding="utf-8")


def test_the_api_export_holds_its_generation_only_while_it_exports(tmp_path, ontology_path):
    """kg.api.export in a long-lived process (a notebook exporting after each build): the
    generations it read are not kept from the builds that follow."""
    from kg import api

    bib = tmp_path / "lib.bib"
    shutil.copyfile(SMALL_BIB, bib)
    out = tmp_path / "out"
    texts = []
    for n in range(3):
        if n:
            bib.write_text(bib.read_text(encoding="utf-8") + f"\n@misc{{extra{n}, title = {{T{n}}}}}\n",
                           encoding="utf-8")
        texts.append(api.export("bibtex", out=out, bib=bib, ontology=ontology_path))
    assert "extra2" in texts[-1] and "extra1" in texts[1] and "extra1" not in texts[0]
    assert _generations(out) == {current(out).name}
