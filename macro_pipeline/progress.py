"""A compact terminal progress logger for runs started from the command line (one line per step and check)."""

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
                self._write(f"        {step}: {meta.get('orig_message') or record.getMessage()}")
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
                line += "\n" + _indent(event.step_failure_data.error.message.strip())
            self._write(line)
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            verdict = "passed" if data.passed else "FAILED"
            self._write(f"        check {data.check_name}: {verdict}")
            if not data.passed and data.description:
                self._write(_indent(data.description))
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
            self._write("run " + ("succeeded" if kind == "PIPELINE_SUCCESS" else "FAILED"))


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
