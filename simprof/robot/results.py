"""Keywords for result JSON files and for preparing a suite (models, firmware, tools)."""
from __future__ import annotations

import logging
import os
from typing import Any

from robot.api import SkipExecution
from robotlibcore import keyword

from simprof import api
from simprof.core.errors import ToolchainError

from ._common import keyword_errors
from .units import parse_size

log = logging.getLogger(__name__)

CI_VALUES = ("1", "true", "yes")


def _field(data: Any, path: str) -> Any:
    """`a.b.3.c` through dicts, lists and attributes; a missing key fails naming what exists."""
    current = data
    for part in str(path).split("."):
        if isinstance(current, dict):
            if part not in current:
                raise AssertionError(f"no field '{part}' (of '{path}'); there are: {', '.join(map(str, current))}")
            current = current[part]
        elif isinstance(current, (list, tuple)):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                raise AssertionError(f"'{part}' (of '{path}') is not an index of a list of {len(current)}") from None
        else:
            raise AssertionError(f"'{path}': cannot look up '{part}' in {type(current).__name__}")
    return current


class ResultKeywords:

    @keyword("Save Result As JSON")
    @keyword_errors
    def save_result_as_json(self, result: Any, path: str) -> str:
        """Writes a result (estimate or measurement) as JSON to ``path`` (atomically) and returns the
        path. Estimates and measurements use the same keys for the same figures
        (``arena_bytes``, ``stack_bytes``, ``total_bytes``...), as ``simprof ... --json`` writes them.

        | Save Result As JSON | ${m} | ${OUTPUT DIR}/kws-stm32f4.json |
        """
        return str(api.save_json(result, path))

    @keyword("Load Result JSON")
    @keyword_errors
    def load_result_json(self, path: str) -> dict:
        """Reads a result JSON (from `Save Result As JSON` or ``simprof estimate/measure --json``) as a
        dictionary, usable wherever a keyword takes a result."""
        return api.load_json(path)

    @keyword
    @keyword_errors
    def get_result_field(self, result: Any, field: str) -> Any:
        """Returns one field of a result (object or JSON); dots go deeper, numbers index lists:
        ``arena_bytes``, ``operators.2.stack_bytes``, ``provenance.tflm``.

        | ${stack}= | Get Result Field | ${m} | operators.0.stack_bytes |
        """
        return _field(api.result_json(result), field)

    @keyword
    @keyword_errors
    def result_field_should_be(self, result: Any, field: str, expected: Any) -> None:
        """Fails unless the field equals ``expected`` (compared as numbers when both are numbers or
        byte sizes such as ``1 KiB``, else as text).

        | Result Field Should Be | ${m} | arena_head_bytes | 1000 |
        """
        value = _field(api.result_json(result), field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                want: Any = parse_size(expected)
            except ValueError:
                want = expected
            equal = value == want
        else:
            equal = str(value) == str(expected)
        if not equal:
            raise AssertionError(f"{field} is {value!r}, expected {expected!r}")

    @keyword
    @keyword_errors
    def result_field_should_be_at_most(self, result: Any, field: str, limit: str) -> None:
        """Fails when a numeric field is unknown or above ``limit`` (a number or a size, ``12 KiB``).

        | Result Field Should Be At Most | ${m} | stack_bytes | 4 KiB |
        """
        value, cap = _field(api.result_json(result), field), parse_size(limit)
        if value is None:
            raise AssertionError(f"{field} is unknown in this result")
        if value > cap:
            raise AssertionError(f"{field} is {value:,} B, more than the limit {cap:,} B")


class SuiteKeywords:

    @keyword
    @keyword_errors
    def write_example_models(self, folder: str, *names: str) -> list:
        """Writes simprof's example models into ``folder`` and returns their paths: per-operator
        models by name (``conv_2d_int8``, see ``simprof corpus opmodels``) and presets prefixed with
        ``preset:`` (``preset:kws_dscnn_int8``). Deterministic: the same bytes on every run, so suites
        can generate them at setup instead of committing binaries.

        | @{models}= | Write Example Models | ${OUTPUT DIR}/models | conv_2d_int8 | add_int8 |
        """
        ops = [n for n in names if not n.startswith("preset:")]
        presets = [n.split(":", 1)[1] for n in names if n.startswith("preset:")]
        if not ops and not presets:
            raise AssertionError("name at least one model (all 106 per-operator models would be slow)")
        return [str(p) for p in api.write_models(folder, ops, preset=presets)]

    @keyword("Build Firmware ELF")
    @keyword_errors
    def build_firmware_elf(self, platform: str, *sources: str, name: str = "firmware") -> str:
        """Compiles C ``sources`` with simprof's board support (startup, semihosting, markers, linker
        script for the platform's memory) and returns the ELF's path. Builds are cached by content.

        | ${elf}= | Build Firmware ELF | stm32f4 | tests/fixtures/firmware/known_usage.c | name=known_usage |
        """
        return str(api.build_elf(list(sources), platform, name=name))

    @keyword
    def require_emulator(self, emulator: str = "qemu", compiler: bool = True) -> None:
        """Skips the test when ``emulator`` (``qemu`` or ``renode``) — or, with ``compiler``, the Arm
        C compiler — is not installed, with the one-line reason.

        For QEMU, under ``CI=true`` a missing tool fails instead of skipping: CI must really run the
        emulator. Renode is skipped even under CI, because it cannot be installed from any registry
        our CI machines reach (docs/renode.md).
        """
        try:
            api.check_tools(emulator, compiler=compiler)
        except ToolchainError as exc:
            in_ci = os.environ.get("CI", "").lower() in CI_VALUES
            if emulator == "qemu" and in_ci:
                raise AssertionError(f"{exc.one_line()} (CI=true: a missing QEMU tool is a failure)") from None
            raise SkipExecution(exc.one_line()) from None

    @keyword
    def emulator_is_installed(self, emulator: str = "qemu") -> bool:
        """True when the ``emulator`` backend's program is installed (``renode`` on PATH...)."""
        try:
            api.check_tools(emulator, compiler=False)
        except ToolchainError:
            return False
        return True

    @keyword
    def model_measurement_is_available(self) -> bool:
        """True when this simprof can measure .tflite models (its runtime simprof-rt is built in);
        suites use it to measure a firmware ELF instead when it cannot."""
        return api.can_measure_models()

    @keyword
    def emulator_backends(self) -> list:
        """The emulator backend names `Measure Peak RAM` accepts (``qemu``, ``renode``...)."""
        return api.emulators()


__all__ = ["ResultKeywords", "SuiteKeywords"]
