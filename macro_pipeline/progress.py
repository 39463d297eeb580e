"""A compact terminal progress logger for runs started from the command line (one line per step and check).

A failed step shows the error the asset raised (and what caused it), not Dagster's wrapper ("Error occurred
while executing op ..."): that is the line a person can act on.
"""

import logging
import sys
import time

import dagster as dg

_MARKS = {"STEP_START": "…", "STEP_SUCCESS": "✓", "STEP_FAILURE": "✗", "STEP_SKIPPED": "-"}


class _ProgressHandler(logging.Handler):
    def __init__(self, total_steps: int, stream) -> None:
        super().__init__(logging.DEBUG)
        self.total_steps = total_steps
        self.stream = stream
        self.started: dict[str, float] = {}
        self.done = 0

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = (meta.get("step_key") or "").replace("__", "/")
        if event is None:
            if record.levelno >= logging.INFO and step:
                message = meta.get("orig_message") or record.getMessage()
                if message.startswith("Dependencies for step"):
                    # Dagster names every missing input; the failed step above is the cause
                    message = "not run: a step it depends on failed"
                self._write(f"        {step}: {message}")
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._write(f"[{self.done + 1:>2}/{self.total_steps}] {_MARKS[kind]} {step}")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            self.done += 1
            took = time.monotonic() - self.started.get(step, time.monotonic())
            line = f"[{self.done:>2}/{self.total_steps}] {_MARKS[kind]} {step} ({took:.2f} s)"
            if kind == "STEP_FAILURE" and event.step_failure_data and event.step_failure_data.error:
                line += "\n" + _indent(failure_cause(event.step_failure_data.error))
            self._write(line)
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            verdict = "passed" if data.passed else "FAILED"
            self._write(f"        check {data.check_name}: {verdict}")
            if not data.passed and data.description:
                self._write(_indent(data.description))
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
            self._write("run " + ("succeeded" if kind == "PIPELINE_SUCCESS" else "FAILED"))


# Dagster's own wrappers around the error an asset raised; their message says nothing about the cause
_WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError", "DagsterResourceFunctionError"}


def failure_cause(error) -> str:
    """The error an asset raised (a dg.Failure's description, or ``Type: message``) and each error it was raised
    from, one after the other, without Dagster's wrappers. ``error`` is a SerializableErrorInfo."""
    parts: list[str] = []
    outermost = error
    while error is not None:
        if error.cls_name not in _WRAPPERS:
            parts.append(_without_module(error.cls_name, error.message.strip()))
        error = error.cause
    return "\n".join(parts) if parts else outermost.message.strip()


def _without_module(cls_name: str, message: str) -> str:
    qualified, sep, rest = message.partition(": ")
    if not sep or not qualified.endswith(cls_name):
        return message
    # a dg.Failure's description is the whole message; other errors keep their type (FileNotFoundError: ...)
    return rest if cls_name == "Failure" else f"{cls_name}: {rest}"


def run_failures(events) -> list[tuple[str, str]]:
    """(step or check, cause) of every failed step and failed asset check among a run's events."""
    found = []
    for event in events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data and event.step_failure_data.error:
            found.append(((event.step_key or "").replace("__", "/"), failure_cause(event.step_failure_data.error)))
        elif event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            data = event.event_specific_data
            found.append((f"check {data.check_name}", data.description or "failed"))
    return found


def _indent(text: str) -> str:
    return "\n".join("          " + line for line in text.splitlines())


@dg.logger(config_schema={"total_steps": dg.Field(int, default_value=0)},
           description="One line per step and asset check, for the terminal.")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("macro_pipeline.progress")
    logger.setLevel(logging.DEBUG)
    logger.handlers = [_ProgressHandler(init_context.logger_config["total_steps"], sys.stdout)]
    logger.propagate = False
    return logger
