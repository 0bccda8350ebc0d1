"""Robot Framework keyword library of simprof: peak RAM of TFLite Micro models, estimated and
measured, as keywords for CI suites. A thin layer: every keyword calls `simprof.api`.

    *** Settings ***
    Library    simprof.robot
"""
from __future__ import annotations

from robotlibcore import DynamicCore

from simprof import __version__

from .fit import FitKeywords
from .ram import RamKeywords
from .results import ResultKeywords, SuiteKeywords


class SimprofLibrary(DynamicCore):
    """How much RAM a TFLite Micro model needs on a microcontroller, as Robot Framework keywords.

    simprof *estimates* the peak RAM of a ``.tflite`` model statically (TFLite Micro's tensor
    arena byte for byte, plus stack and static RAM where the platform is calibrated) and *measures*
    it by running a model (on simprof's runtime) or your own firmware ELF under an emulator (QEMU;
    Renode when installed), painting memory through the gdb stub and reading back what was written.

    = Platforms =

    A platform is a part's core and memory sizes (``stm32f4``, ``nrf52840``, ``nrf51``,
    ``stm32f746``, ``lm3s6965``, ``corstone300``...; ``simprof platforms`` lists them). The default
    budget of `Peak RAM Should Fit Platform` is the part's RAM.

    = Sizes and tolerances =

    Byte sizes are written ``16384``, ``16 KiB``, ``16K`` or ``1.5 MiB`` (K, KB and KiB all mean
    1024, as in datasheets). Margins and tolerances are a percentage (``10%``) or a size.

    = Results =

    `Estimate Peak RAM` and `Measure Peak RAM` return result objects whose figures are attributes
    (``${e.arena_min_bytes}``, ``${m.stack_bytes}``). Every keyword that takes a result also takes
    a dictionary read by `Load Result JSON`, so results can be saved by one job and checked by
    another. Estimates and measurements share the JSON keys of the figures they both have.

    = Example =

    | *** Settings ***
    | Library    simprof.robot
    |
    | *** Test Cases ***
    | Keyword spotting fits the nRF52840 with 25% to spare
    |     Peak RAM Should Fit Platform    models/kws.tflite    nrf52840    margin=25%
    |     Arena Should Be At Most         models/kws.tflite    24 KiB
    |     Peak Operator Should Be         models/kws.tflite    DEPTHWISE_CONV_2D

    Failures name the model, the platform, the budget and the figure with its parts.
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self._ram = RamKeywords()
        super().__init__([self._ram, ResultKeywords(), SuiteKeywords(), FitKeywords()])
        # Its own listener: a Renode kept for the suite's measurements ends with the suite.
        self.ROBOT_LIBRARY_LISTENER = self

    def end_suite(self, data, result) -> None:
        self._ram.release_emulators()

    def close(self) -> None:
        self._ram.release_emulators()


# Robot imports `Library    simprof.robot` as the class named like the module's last part.
robot = SimprofLibrary

__all__ = ["SimprofLibrary"]
