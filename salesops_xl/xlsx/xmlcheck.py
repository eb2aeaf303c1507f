"""The well-formedness check of a large part, run beside the writer in a helper process.

The check a written workbook passes (:mod:`.verify`) parses every part we wrote
with expat. For a 1M-line Statement Lines sheet that is over 600 MB of XML,
about 6 seconds of expat that holds the GIL; run after the file is written, it
adds all of that to the wall time. Here the writer hands each block of a large
streamed part, exactly as it goes to the compressor and into the CRC, to a
helper Python process that runs the same hardened expat parser on it
(:func:`.xmlutil.check_xml`), so the parse runs on the other core while the
writer goes on producing and deflating.

The helper is a plain ``python -c`` process fed through a pipe (no fork of a
process with threads, no multiprocessing). A part counts as checked only if
its helper says so; anything else (no subprocess support as in Pyodide, the
helper failing to start or dying, malformed XML) leaves the part to the
in-process check after the write, which then reports a malformed part with its
usual message.
"""
from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

#: Streamed parts at least this large (their size bound, in bytes) are checked in a helper process.
PARALLEL_MIN_BYTES = 32 << 20

_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from salesops_xl.errors import WorkbookError
from salesops_xl.xlsx.xmlutil import check_xml
src = sys.stdin.buffer
def chunks():
    while True:
        b = src.read1(1 << 20)
        if not b:
            return
        yield b
try:
    check_xml(chunks(), sys.argv[2])
    ok = True
except WorkbookError:
    ok = False
    while src.read1(1 << 20):  # drain, so the writer never sees a broken pipe
        pass
sys.stdout.write("ok" if ok else "malformed")
"""


def available() -> bool:
    """Whether helper processes can be started here (not in Pyodide, not without a Python executable)."""
    return sys.platform not in ("emscripten", "wasi") and bool(sys.executable) and \
        Path(sys.executable).name.lower().startswith("python")


class _Sink:
    """One helper process checking one part; blocks go to it through a queue and a feeding thread."""

    def __init__(self, name: str):
        self.name = name
        self.failed = False
        root = str(Path(__file__).resolve().parents[2])
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, root, name], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both opened as pipes
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.q: queue.Queue = queue.Queue(maxsize=4)
        self.thread = threading.Thread(target=self._feed, name=f"xmlcheck-{name}", daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        out = self.stdin
        while True:  # always drains the queue to its end, so the writer never waits on a dead helper
            block = self.q.get()
            if block is None:
                break
            if self.failed:
                continue
            try:
                out.write(block)
            except Exception:  # the helper died: this part is checked in process instead
                self.failed = True
        try:
            out.close()
        except Exception:
            self.failed = True

    def feed(self, block: bytes) -> None:
        self.q.put(block)

    def close(self) -> None:
        self.q.put(None)

    def abort(self) -> None:
        self.failed = True
        self.proc.kill()
        self.close()
        self.thread.join()
        self.proc.wait()
        self.stdout.close()

    def result(self) -> bool:
        """Wait for the helper: True if it parsed the whole part as well-formed XML."""
        self.thread.join()
        try:
            out = self.stdout.read()
            code = self.proc.wait()
        finally:
            self.stdout.close()
        return not self.failed and code == 0 and out == b"ok"


class StreamChecks:
    """The helpers of one write: :meth:`start` for each streamed part, :meth:`checked` once it is written."""

    def __init__(self, min_bytes: int | None = None):
        self.min_bytes = PARALLEL_MIN_BYTES if min_bytes is None else min_bytes
        self.sinks: list[_Sink] = []
        self.enabled = available()

    def start(self, name: str, size_bound: int) -> _Sink | None:
        if not self.enabled or size_bound < self.min_bytes or not name.lower().endswith(".xml"):
            return None
        try:
            sink = _Sink(name)
        except OSError:  # cannot start a process here: the in-process check does it
            self.enabled = False
            return None
        self.sinks.append(sink)
        return sink

    def checked(self) -> frozenset[str]:
        """The parts whose helper parsed them as well-formed (the others are for the in-process check)."""
        done = frozenset(s.name for s in self.sinks if s.result())
        self.sinks.clear()
        return done

    def abort(self) -> None:
        for s in self.sinks:
            s.abort()
        self.sinks.clear()


__all__ = ["PARALLEL_MIN_BYTES", "StreamChecks", "available"]
