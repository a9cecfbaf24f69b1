"""The Cloud Functions' output in the sandbox daemon's log: each function's process writes
to ``functions/<name>/function.log`` under the Google sandbox folder (a file, not a pipe to
the gateway, so a function never blocks on it), and :class:`LogTail` hands every new line to
the supervisor's ``log(name, line)``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
LOG_NAME = "function.log"


class LogTail:
    def __init__(
        self, functions_dir: Path, sink: Callable[[str, str], None], interval_s: float = 0.5
    ) -> None:
        self.functions_dir = Path(functions_dir)
        self.sink = sink
        self.interval_s = interval_s
        self._offsets: dict[Path, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="google-function-logs", daemon=True)

    def start(self) -> LogTail:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.poll()  # the last lines written before the functions stopped

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.poll()
            except Exception:  # a log we cannot read never stops the sandbox
                log.exception("reading the Google functions' logs failed")

    def poll(self) -> None:
        for path in sorted(self.functions_dir.glob(f"*/{LOG_NAME}")):
            offset = self._offsets.get(path, 0)
            try:
                if path.stat().st_size < offset:  # removed and made again (re-registered)
                    offset = 0
                with open(path, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
            except OSError:
                continue
            complete = chunk.rpartition(b"\n")[0]
            if not complete:
                continue
            self._offsets[path] = offset + len(complete) + 1
            for line in complete.decode("utf-8", "replace").splitlines():
                if line.strip():
                    self.sink(path.parent.name, line)
