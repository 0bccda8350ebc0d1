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


@pytest.fixture(scope="session")
def simprof_estimate(simprof_platform):
    """`simprof.api.estimate` with the chosen platform: simprof_estimate(model, **opts)."""
    return functools.partial(api.estimate, platform=simprof_platform)


@pytest.fixture(scope="session")
def simprof_measure(simprof_platform, simprof_emulator):
    """`simprof.api.measure` with the chosen platform and emulator: simprof_measure(model_or_elf, **opts)."""
    return functools.partial(api.measure, platform=simprof_platform, emulator=simprof_emulator)
