"""pytest plugin of simprof: fixtures that hand tests the functions of `simprof.api`, bound to the
platform and emulator chosen on the command line. The fixtures hold no logic; a test that needs
something else calls `simprof.api` itself.

    def test_kws_fits(simprof_estimate, simprof_platform):
        e = simprof_estimate("models/kws.tflite")
        assert e.arena_min_bytes + 8192 <= simprof_platform.ram.size

    pytest --simprof-platform nrf52840 --simprof-emulator qemu

Registered through the `pytest11` entry point `simprof`; without it: `pytest -p simprof.pytest_plugin`.
"""
from __future__ import annotations

import functools

import pytest

from simprof import api


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simprof", "simprof (peak RAM of TFLite Micro models)")
    group.addoption("--simprof-platform", default="stm32f4", metavar="ID",
                    help="platform id for the simprof_* fixtures (default stm32f4; `simprof platforms`)")
    group.addoption("--simprof-emulator", default="qemu", metavar="NAME",
                    help="emulator backend for simprof_measure (qemu or renode; default qemu)")


@pytest.fixture(scope="session")
def simprof_platform(request: pytest.FixtureRequest):
    """The `Platform` named by --simprof-platform."""
    return api.load_platform(request.config.getoption("--simprof-platform"))


@pytest.fixture(scope="session")
def simprof_emulator(request: pytest.FixtureRequest) -> str:
    """The emulator backend named by --simprof-emulator."""
    return request.config.getoption("--simprof-emulator")


def _with_default_platform(fn, platform, **defaults):
    """`fn(model, platform=None, **opts)`: an explicit platform (positional, as on the command
    line and in the Robot keywords, or keyword) overrides the one from --simprof-platform."""

    @functools.wraps(fn)
    def call(model, platform_=None, /, **opts):
        chosen = opts.pop("platform", None) if platform_ is None else platform_
        if platform_ is not None and "platform" in opts:
            raise TypeError("platform given twice (positional and keyword)")
        for k, v in defaults.items():
            opts.setdefault(k, v)
        return fn(model, platform if chosen is None else chosen, **opts)

    return call


@pytest.fixture(scope="session")
def simprof_estimate(simprof_platform):
    """`simprof.api.estimate` with the chosen platform: simprof_estimate(model[, platform], **opts)."""
    return _with_default_platform(api.estimate, simprof_platform)


@pytest.fixture(scope="session")
def simprof_measure(simprof_platform, simprof_emulator):
    """`simprof.api.measure` with the chosen platform and emulator:
    simprof_measure(model_or_elf[, platform], **opts)."""
    return _with_default_platform(api.measure, simprof_platform, emulator=simprof_emulator)
