"""State-file locks: re-entrant in a thread, exclusive between processes, a timeout with a clear error."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from alerts import storage
from alerts.storage import LockTimeout, file_lock

REPO = Path(__file__).resolve().parents[1]
HOLDER = """
import sys, time
from pathlib import Path
from alerts.storage import file_lock
with file_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


@pytest.fixture
def holder():
    """Start a process that holds the lock of a path until the test ends."""
    procs = []

    def start(path: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=REPO, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"  # waits for the condition, no sleep
        return proc

    yield start
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_reentrant_in_a_thread_exclusive_for_another_thread(tmp_path):
    path = tmp_path / "state.json"
    with file_lock(path):
        with file_lock(path):  # the outbox nests its transactions
            pass
        seen = []

        def other():
            try:
                with file_lock(path, timeout=0.2):
                    seen.append("got it")
            except LockTimeout as exc:
                seen.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert isinstance(seen[0], LockTimeout) and seen[0].path == path
    with file_lock(path, timeout=0.2):  # released after the outer block
        pass
    assert (Path(str(path) + ".lock").stat().st_mode & 0o777) == 0o600


def test_a_lock_held_by_another_process_times_out_naming_the_file(tmp_path, holder):
    path = tmp_path / "findings.json"
    proc = holder(path)
    with pytest.raises(LockTimeout) as info:
        with file_lock(path, timeout=0.3):
            pass
    assert str(path) in str(info.value) and "dikunci" in str(info.value)
    proc.stdin.close()
    proc.wait(timeout=30)
    with file_lock(path, timeout=5):  # free again once the holder is gone
        pass


def test_cli_command_behind_a_hung_process_gives_one_line_and_exit_75(tmp_path, holder, monkeypatch, capsys):
    from scraper.cli import main

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{REPO}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n'
                   '[storage]\ndir = "data"\n')
    holder(tmp_path / "data" / "outbox" / "outbox")  # the outbox's lock
    monkeypatch.setattr(storage, "LOCK_TIMEOUT", 0.3)
    with pytest.raises(SystemExit) as info:
        main(["--config", str(cfg), "alerts", "pending"])
    assert info.value.code == 75
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Gagal: ") and "outbox" in err[0] and "Traceback" not in err[0]
