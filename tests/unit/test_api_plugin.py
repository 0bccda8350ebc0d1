"""The pytest plugin (simprof.pytest_plugin), run in a child pytest with pytester. ~1.5 s."""
from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kws_dscnn_int8.tflite"


def _load_plugin() -> list[str]:
    """`-p simprof.pytest_plugin` unless the `pytest11` entry point already loads it (loading a
    plugin module twice is an error)."""
    from importlib.metadata import entry_points
    registered = any(ep.value == "simprof.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", "simprof.pytest_plugin"]


def test_fixtures_call_the_api_with_the_chosen_platform(pytester):
    pytester.makepyfile(f'''
        from simprof import api

        def test_platform(simprof_platform, simprof_emulator):
            assert simprof_platform.id == "nrf52840" and simprof_platform.ram.size == 262144
            assert simprof_emulator == "renode"

        def test_estimate(simprof_estimate):
            e = simprof_estimate(r"{EXAMPLE}")
            assert e.platform == "nrf52840"
            assert e == api.estimate(r"{EXAMPLE}", "nrf52840")

        def test_measure_reaches_the_chosen_backend(simprof_measure):
            import pytest
            from simprof.core.errors import ToolchainError
            with pytest.raises(ToolchainError, match="Renode not found"):
                simprof_measure("app.elf")
    ''')
    result = pytester.runpytest_subprocess(*_load_plugin(), "--simprof-platform", "nrf52840",
                                           "--simprof-emulator", "renode",
                                           "-p", "no:cacheprovider", "-q")
    if __import__("shutil").which("renode") is None:
        result.assert_outcomes(passed=3)
    else:
        result.assert_outcomes(passed=2, failed=1)


def test_unknown_platform_is_a_setup_error_naming_it(pytester):
    pytester.makepyfile('''
        def test_platform(simprof_platform):
            pass
    ''')
    result = pytester.runpytest_subprocess(*_load_plugin(), "--simprof-platform", "stm33f4", "-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PlatformError: unknown platform 'stm33f4'*"])
