"""What the command line says when something is wrong: the cause in a line or two, then the run id and
"published file unchanged"; bad settings refused before anything runs; no traceback without --debug.

Each case runs the real command (``python -m macro_pipeline run``) in a subprocess against private folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from macro_pipeline_tests.support import copy_reference, read_series, write_series

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _run(env: dict[str, str], *args: str, timeout: float = 300) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "macro_pipeline", "run", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def _refused(output: str) -> None:
    assert "Traceback" not in output
    assert "nothing ran; the published file is unchanged" in output
    assert "macro_pipeline: build_warehouse_job" not in output  # no step started


# --- settings, checked before anything runs --------------------------------------------------------------

def test_an_unknown_source_names_the_setting_and_the_allowed_values(subprocess_env: dict[str, str]) -> None:
    code, output = _run({**subprocess_env, "MACRO_PIPELINE_SOURCE": "frd"})
    assert code == 2
    assert ("MACRO_PIPELINE_SOURCE='frd' is not a source; allowed: snapshot (the embedded FRED snapshot, offline; "
            "the default), fred (the live FRED API)") in output
    _refused(output)


def test_an_unknown_job_lists_the_jobs(subprocess_env: dict[str, str]) -> None:
    code, output = _run(subprocess_env, "--job", "bogus")
    assert code == 2
    assert ("unknown job 'bogus'; the jobs are: build_warehouse_job, daily_markets_job, weekly_h41_job, "
            "monthly_releases_job, quarterly_gdp_job (and live_refresh_job with MACRO_PIPELINE_SOURCE=fred)") in output
    _refused(output)


def test_live_mode_without_a_key_is_refused(subprocess_env: dict[str, str]) -> None:
    env = {**subprocess_env, "MACRO_PIPELINE_SOURCE": "fred"}
    env.pop("FRED_API_KEY", None)
    code, output = _run(env, "--job", "live_refresh_job")
    assert code == 2
    assert "MACRO_PIPELINE_SOURCE=fred needs FRED_API_KEY: set it to your FRED API key" in output
    _refused(output)


def test_a_live_setting_out_of_range_is_refused(subprocess_env: dict[str, str]) -> None:
    env = {**subprocess_env, "MACRO_PIPELINE_SOURCE": "fred", "FRED_API_KEY": "x" * 32,
           "MACRO_PIPELINE_FRED_DEADLINE_SECONDS": "-5"}
    code, output = _run(env, "--job", "live_refresh_job")
    assert code == 2
    assert "MACRO_PIPELINE_FRED_DEADLINE_SECONDS='-5' is not allowed; use a number of seconds above 0" in output
    assert "x" * 32 not in output
    _refused(output)


def test_a_data_folder_that_does_not_exist_is_refused_unless_create_is_given(subprocess_env: dict[str, str],
                                                                             tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "path"
    env = {**subprocess_env, "MACRO_PIPELINE_DATA_DIR": str(missing)}
    code, output = _run(env)
    assert code == 2
    assert (f"MACRO_PIPELINE_DATA_DIR: the data folder {missing} does not exist; create it, correct the setting, "
            "or pass --create to have this run create it") in output
    _refused(output)
    assert not missing.exists()

    code, output = _run(env, "--create")
    assert code == 0, output
    assert (missing / "macro.duckdb").is_file()


# --- failures inside a run: the cause, the run id, the file kept --------------------------------------------

def _failed(output: str, published: Path) -> None:
    assert "Traceback" not in output
    assert "Error occurred while executing op" not in output  # Dagster's wrapper is not the message
    assert "Dependencies for step" not in output  # nor the cascade of steps that did not run
    assert "published file unchanged" in output and f"({published})" in output
    assert "run " in output.splitlines()[-1] and " failed after " in output.splitlines()[-1]


def test_a_bad_reference_file_prints_its_own_message(data_dir: Path, subprocess_env: dict[str, str],
                                                     tmp_path: Path) -> None:
    # publishing is per claim (README): the marts that read the file fail, the others publish, exit status 3;
    # what matters here is that the file's own message reaches the terminal, not Dagster's wrapper
    reference = copy_reference(tmp_path / "reference")
    path = reference / "us_electricity_annual.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"3,764,700"', '"3,76x,700"', 1), encoding="utf-8")
    code, output = _run({**subprocess_env, "MACRO_PIPELINE_REFERENCE_DIR": str(reference)})
    assert code == 3
    assert ("us_electricity_annual.csv row 1 (line 2): column 'value_as_stated': cannot read '3,76x,700' as a "
            "number") in output
    assert "Traceback" not in output and "Error occurred while executing op" not in output


def test_a_header_with_a_trailing_blank_names_the_series_and_the_header(snapshot_dir: Path, data_dir: Path,
                                                                        subprocess_env: dict[str, str]) -> None:
    write_series(snapshot_dir, "UNRATE", read_series(snapshot_dir, "UNRATE").replace("date,value", "date,value ", 1))
    code, output = _run(subprocess_env)
    assert code == 1
    assert "error in raw/observations: 1 series could not be read:" in output
    assert "UNRATE: header is ['date', 'value '], expected ['date', 'value']" in output
    _failed(output, data_dir / "macro.duckdb")


def test_an_os_error_names_the_path(data_dir: Path, subprocess_env: dict[str, str]) -> None:
    (data_dir / "work").write_text("not a folder")  # where the working database's folder should be
    code, output = _run(subprocess_env)
    assert code == 1
    assert f"FileExistsError: [Errno 17] File exists: '{data_dir / 'work'}'" in output
    # one line for the cause, however many steps it stopped
    assert sum(line.startswith("error in ") for line in output.splitlines()) == 1
    _failed(output, data_dir / "macro.duckdb")


def test_debug_shows_the_traceback_of_an_error_outside_the_steps(subprocess_env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    home = tmp_path / "home_is_a_file"
    home.write_text("")
    env = {**subprocess_env, "DAGSTER_HOME": str(home)}
    code, output = _run(env)
    assert code == 1 and "Traceback" not in output
    assert "FileExistsError" in output and str(home) in output and "run with --debug for the traceback" in output
    code, output = _run(env, "--debug")
    assert code == 1 and "Traceback" in output


def test_the_settings_jobs_are_the_code_locations_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    from macro_pipeline import settings
    from macro_pipeline.definitions import defs

    for source in ("snapshot", "fred"):
        monkeypatch.setenv("MACRO_PIPELINE_SOURCE", source)
        jobs = {job.name for job in defs().jobs}
        assert set(settings.jobs_for(source)) == jobs


