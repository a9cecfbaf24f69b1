"""The whole L1 → L2 → L3 path in one process, over the in-memory ports.

dispatcher → processor → persister → event checker → actions / feedback, each a handler of a
:class:`~dtwin_gui.runtime.core.memory.RecordingInvoker` under its topology name
(``processor-<device>``, ``persister``, ...). Used by tests and the benchmark; the clouds run
the same cores, one per function.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from dtwin_gui.runtime.core.dispatch import dispatch
from dtwin_gui.runtime.core.events import EventChecker, feedback_handler, feedback_topic, run_action
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.memory import (
    MemoryFeedback,
    MemoryHotStore,
    MemoryLog,
    MemoryObjectStore,
    RecordingInvoker,
)
from dtwin_gui.runtime.core.movers import (
    ArchiveReport,
    MoveReport,
    move_cold_to_archive,
    move_hot_to_cold,
)
from dtwin_gui.runtime.core.persist import persist
from dtwin_gui.runtime.core.ports import HotWriter
from dtwin_gui.runtime.core.processing import (
    load_action,
    load_feedback,
    load_processor,
    processor_handler,
)

PERSISTER = "persister"
EVENT_CHECKER = "event-checker"
EVENT_FEEDBACK = "event-feedback"


def _read(root: Path, name: str, default: object) -> object:
    path = root / name
    return json.loads(path.read_text(encoding="utf-8-sig")) if path.is_file() else default


def config_from_project(root: str | Path, *, role: str = "pipeline") -> FunctionConfig:
    """A :class:`FunctionConfig` for the in-process pipeline from a project folder.

    Routes and actions point at the pipeline's handler names (``processor-<device>``,
    ``action-<name>``), not at deployed names.
    """
    root = Path(root)
    config = _read(root, "config.json", {})
    devices = {
        d["id"]: {p["name"]: p.get("dataType", "STRING") for p in d.get("properties", [])}
        for d in _read(root, "config_iot_devices.json", [])
    }
    rules = _read(root, "config_events.json", [])
    features = {k: v is True for k, v in _read(root, "config_features.json", {}).items()}
    actions = {
        r["action"]["functionName"]: f"action-{r['action']['functionName']}"
        for r in rules
        if isinstance(r.get("action"), dict) and r["action"].get("functionName")
    }
    return FunctionConfig(
        role=role,
        twin_name=config.get("digital_twin_name", "twin"),
        cloud="local",
        name=role,
        devices=devices,
        routes={d: f"processor-{d}" for d in devices},
        rules=rules,
        actions=actions,
        features=features,
    )


def _passthrough(event: dict) -> dict:
    return event


class LocalPipeline:
    """Dispatcher, processors, persister, event checker, actions and feedback in process."""

    def __init__(
        self,
        config: FunctionConfig,
        processors: dict[str, Callable[[dict], object]],
        hot: MemoryHotStore | None = None,
        cold: MemoryObjectStore | None = None,
        *,
        archive: MemoryObjectStore | None = None,
        actions: dict[str, Callable[[dict, dict], object]] | None = None,
        feedback: Callable[[dict, dict], object] | None = None,
        twin_update: HotWriter | None = None,
        log: FunctionLog | None = None,
        record_calls: bool = True,
    ) -> None:
        """``processors``: device id → ``process`` (a device without one passes through);
        ``actions``: action name → ``action``; ``feedback``: the user's shaper, if any."""
        self.config = config
        self.hot = hot if hot is not None else MemoryHotStore()
        self.cold = cold if cold is not None else MemoryObjectStore()
        self.archive = archive if archive is not None else MemoryObjectStore()
        self.log = log if log is not None else MemoryLog("pipeline")
        self.publisher = MemoryFeedback(topic_for=lambda d: feedback_topic(config, d))
        self.invoker = RecordingInvoker(strict=True, record_calls=record_calls)
        self.checker = EventChecker(config)
        events_on = bool(config.features.get("use_event_checking"))
        feedback_on = events_on and bool(config.features.get("return_feedback_to_device"))
        handlers = self.invoker.handlers

        for device_id, function in config.routes.items():
            process = processors.get(device_id, _passthrough)
            handlers[function] = self._processor(device_id, process)
        handlers[PERSISTER] = lambda record: persist(
            record,
            hot=self.hot,
            invoker=self.invoker,
            event_checker=EVENT_CHECKER if events_on else None,
            twin_update=twin_update,
            log=self.log,
        )
        if events_on:
            handlers[EVENT_CHECKER] = lambda record: self.checker.handle(
                record,
                self.invoker,
                self.log,
                feedback_function=EVENT_FEEDBACK if feedback_on else None,
            )
            for name, function in config.actions.items():
                if actions and name in actions:
                    handlers[function] = self._action(name, actions[name])
        if feedback_on:
            handlers[EVENT_FEEDBACK] = lambda message: feedback_handler(
                message,
                config=config,
                publisher=self.publisher,
                log=self.log,
                user_feedback=feedback,
            )

    def _processor(self, device_id: str, process: Callable) -> Callable[[dict], dict]:
        def handle(record: dict) -> dict:
            return processor_handler(
                record,
                process,
                device_id=device_id,
                persister=PERSISTER,
                invoker=self.invoker,
                log=self.log,
            )

        return handle

    def _action(self, name: str, action: Callable) -> Callable[[dict], dict]:
        return lambda message: run_action(message, action, name=name, log=self.log)

    @classmethod
    def from_project(cls, root: str | Path, **kwargs: object) -> LocalPipeline:
        """A pipeline running the project's own processors, actions and feedback code."""
        root = Path(root)
        config = config_from_project(root)
        processors = {
            d: load_processor(root / "processors" / d / "process.py")
            for d in config.devices
            if (root / "processors" / d / "process.py").is_file()
        }
        actions = {
            name: load_action(root / "event_actions" / name / "action.py")
            for name in config.actions
            if (root / "event_actions" / name / "action.py").is_file()
        }
        feedback_file = root / "event_feedback" / "feedback.py"
        feedback = load_feedback(feedback_file) if feedback_file.is_file() else None
        return cls(config, processors, actions=actions, feedback=feedback, **kwargs)

    def send(self, message: object, *, now: str | None = None) -> dict:
        """Dispatch one device message through the whole pipeline; the dispatch result."""
        return dispatch(message, self.config, self.invoker, self.log, now=now)

    def move(
        self, *, now: datetime, hot_days: int, cold_days: int
    ) -> tuple[MoveReport, ArchiveReport]:
        """Run both movers, as their schedules would."""
        moved = move_hot_to_cold(self.hot, self.cold, now=now, hot_days=hot_days, log=self.log)
        archived = move_cold_to_archive(
            self.cold, self.archive, now=now, cold_days=cold_days, log=self.log
        )
        return moved, archived
